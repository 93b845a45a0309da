#!/usr/bin/env bash
# Remakes assets/fonts/DejaVuSans-stamp.ttf, the font of visible signature stamps: DejaVu Sans
# Book cut to Basic Latin, Latin-1, Latin Extended-A/B, the IPA schwa (Azerbaijani ə), spacing
# and combining accents, Cyrillic with its supplement, general punctuation and a few currency
# and letterlike symbols; hinting and layout tables dropped (a stamp is drawn, not shaped).
# Needs Debian's fonts-dejavu-core and fontTools (pip); the result is committed, so builds and
# tests never run this. Each signature then embeds only the glyphs its stamp draws.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source=${1:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}
venv=$(mktemp -d)
python3 -m venv "$venv"
"$venv/bin/pip" install -q fonttools
"$venv/bin/pyftsubset" "$source" \
  --unicodes="U+0020-007E,U+00A0-024F,U+0259,U+02C6-02DD,U+0300-0328,U+0400-052F,U+2010-2027,U+2030-203A,U+20AC,U+20B8,U+20BC,U+20BD,U+2116,U+2122,U+2212" \
  --no-hinting --layout-features='' --drop-tables+=GSUB,GPOS,GDEF,kern --name-IDs='*' \
  --output-file="$root/assets/fonts/DejaVuSans-stamp.ttf"
rm -rf "$venv"
ls -l "$root/assets/fonts/DejaVuSans-stamp.ttf"
