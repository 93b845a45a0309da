//! What the revisions after a signature changed (ISO 32000-1 §7.5.6 incremental updates,
//! §12.8.2.2 DocMDP, ETSI EN 319 142-1 §5.4 for DSS and document timestamps). Every object a
//! later cross-reference section defines, replaces or frees is compared with the signed
//! revision's version of it; each difference is either one a signer permits — a new signature
//! and its field, the DSS, document timestamps, metadata, and per DocMDP form filling and
//! annotations — or a modification, named in the report.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Seek};

use serde::Serialize;

use super::document::DocMdp;
use super::document::{catalog, covered_on_page, fields, invisible, pages, rectangle, reference, signature_fields_of};
use super::object::{Dictionary, Object};
use super::{PdfError, PdfReader};

/// Most objects followed when collecting what a new signature or the DSS brings along.
const MAX_CLOSURE: usize = 10_000;

/// What the signer of a revision allows later revisions to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowance {
    /// New signatures (approval signatures and their fields).
    pub signatures: bool,
    /// Filling in existing form fields.
    pub form_filling: bool,
    /// Adding, changing or removing annotations.
    pub annotations: bool,
}

impl Allowance {
    /// What an approval signature without DocMDP allows: signatures, DSS, document timestamps
    /// and filling in the form's existing fields (as Acrobat and pyHanko permit in a document
    /// that is not certified: ISO 32000-1 §12.8.2.2 restricts changes only through DocMDP).
    /// Annotations need a certification that permits them.
    pub const APPROVAL: Self = Self { signatures: true, form_filling: true, annotations: false };

    /// What a DocMDP level allows (DSS and document timestamps are always allowed, PAdES).
    pub fn for_docmdp(level: DocMdp) -> Self {
        match level {
            DocMdp::NoChanges => Self { signatures: false, form_filling: false, annotations: false },
            DocMdp::FormFilling => Self { signatures: true, form_filling: true, annotations: false },
            DocMdp::Annotations => Self { signatures: true, form_filling: true, annotations: true },
        }
    }

    /// The stricter of two.
    pub fn and(self, other: Self) -> Self {
        Self {
            signatures: self.signatures && other.signatures,
            form_filling: self.form_filling && other.form_filling,
            annotations: self.annotations && other.annotations,
        }
    }
}

/// What part of the document a change touched, for callers that branch on it; `what` says
/// it in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// A signature field added or signed.
    Signature,
    /// A document timestamp added (PAdES B-LTA).
    DocumentTimestamp,
    /// Validation material: the Document Security Store.
    ValidationMaterial,
    /// The document catalog.
    Catalog,
    /// The interactive form: fields, their values and appearances, default resources.
    Form,
    /// Pages and the page tree.
    Page,
    /// Annotations and annotation lists.
    Annotation,
    /// The document information dictionary or the XMP metadata.
    Metadata,
    /// An object of the signed revision changed in place: page content, images, fonts, or
    /// any dictionary without a role above.
    Content,
    /// The file's structure: objects added, deleted or redefined outside any of the above,
    /// cross-reference and object streams, encryption.
    Structure,
}

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Change {
    /// Whether it is allowed.
    pub allowed: bool,
    /// What part of the document it touched.
    pub kind: ChangeKind,
    /// What it is, in words.
    pub what: String,
}

/// What one later revision did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RevisionChanges {
    /// The revision's number, counting the original document as 1.
    pub revision: usize,
    /// Whether everything it did is allowed.
    pub allowed: bool,
    /// The differences, one per changed object (unchanged rewrites are not listed).
    pub changes: Vec<Change>,
}

/// Object numbers with a role in the final document.
struct Roles<'a> {
    catalog: u32,
    form: Option<u32>,
    field_lists: HashSet<u32>,
    pages: HashSet<u32>,
    annot_lists: HashSet<u32>,
    new_signature_fields: HashMap<u32, String>,
    new_signature_values: HashSet<u32>,
    timestamp_values: HashSet<u32>,
    brought_along: HashSet<u32>,
    /// The form's default resources (/DR) and its category dictionaries, when indirect.
    resource_dicts: HashSet<u32>,
    dss: HashSet<u32>,
    signed_dss: HashSet<u32>,
    info: Option<u32>,
    signed_info: Option<u32>,
    metadata: Option<u32>,
    signed_metadata: Option<u32>,
    form_fields: HashMap<u32, String>,
    /// New objects the form fields' appearances reach.
    field_appearances: HashSet<u32>,
    /// Referenced from the signed revision's object graph but undefined there.
    dangling: HashSet<u32>,
    /// Reachable in the signed revision, unreadable within its bytes, readable now: objects
    /// whose bytes run past the end of the signed revision.
    crossing: Vec<u32>,
    /// Who referred to each object in the signed revision.
    referrers: HashMap<u32, Vec<u32>>,
    /// The cross-reference streams of the file's revisions.
    xref_streams: HashSet<u32>,
    /// Every object the final revision's graph reaches ([`reachable`]).
    final_graph: &'a HashSet<u32>,
    /// Object streams that hold objects of the final cross-reference.
    object_streams: HashSet<u32>,
}

/// The trailer, as a referrer.
const TRAILER: u32 = u32::MAX;
/// Stands for "more referrers than were recorded".
const MANY: u32 = u32::MAX - 1;

/// What [`walk_signed`] learns about the signed revision's object graph.
struct SignedGraph {
    dangling: HashSet<u32>,
    crossing: Vec<u32>,
    /// Who refers to each object (at most 8 recorded, then [`MANY`]).
    referrers: HashMap<u32, Vec<u32>>,
}

impl Roles<'_> {
    /// Whether every object that referred to `n` in the signed revision passes `allowed`
    /// (an object with a role — Info, XMP, DSS — must have no second job as content).
    fn referred_only_by(&self, n: u32, allowed: impl Fn(u32) -> bool) -> bool {
        self.referrers.get(&n).is_none_or(|list| list.iter().all(|r| *r != MANY && allowed(*r)))
    }
}

/// Walks the object graph from `reader`'s trailer (/Root and /Info), reading each object once,
/// bounded by the reader's work budget. `on_reference` sees every reference (child, parent —
/// [`TRAILER`] for the roots), `on_object` what reading each object gave. Returns the objects
/// reached.
fn walk<R: Read + Seek>(
    reader: &mut PdfReader<R>,
    mut on_reference: impl FnMut(u32, u32),
    mut on_object: impl FnMut(u32, &Result<Object, PdfError>),
) -> Result<HashSet<u32>, PdfError> {
    let mut stack: Vec<(u32, u32)> =
        reader.trailer().map(|t| [&b"Root"[..], b"Info"].iter().filter_map(|k| reference(t.get(k))).map(|n| (n, TRAILER)).collect()).unwrap_or_default();
    let mut seen = HashSet::new();
    while let Some((n, parent)) = stack.pop() {
        on_reference(n, parent);
        if !seen.insert(n) {
            continue;
        }
        if seen.len() > super::reader::WORK_BUDGET as usize / 2 {
            return Err(PdfError::LimitExceeded("object graph"));
        }
        let object = reader.object(n);
        if let Err(PdfError::LimitExceeded(what)) = object {
            return Err(PdfError::LimitExceeded(what));
        }
        on_object(n, &object);
        if let Ok(object) = &object {
            let mut children = Vec::new();
            refs_in(object, &mut children);
            stack.extend(children.into_iter().map(|child| (child, n)));
        }
    }
    Ok(seen)
}

/// Walks the signed revision's object graph from its trailer: undefined references (which a
/// later revision could fill in), objects whose bytes run past the signed revision, and who
/// refers to what.
fn walk_signed<A: Read + Seek, B: Read + Seek>(signed: &mut PdfReader<B>, now: &mut PdfReader<A>) -> Result<SignedGraph, PdfError> {
    let mut referrers: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut dangling = HashSet::new();
    let mut crossing = Vec::new();
    let note = |child: u32, parent: u32| {
        let list = referrers.entry(child).or_default();
        if list.len() >= 8 {
            if !list.contains(&MANY) {
                list.push(MANY);
            }
        } else if !list.contains(&parent) {
            list.push(parent);
        }
    };
    let judge = |n: u32, object: &Result<Object, PdfError>| match object {
        Ok(Object::Null) => {
            dangling.insert(n);
        }
        Ok(_) => {}
        Err(_) => {
            if now.object(n).is_ok() {
                crossing.push(n);
            }
        }
    };
    walk(signed, note, judge)?;
    Ok(SignedGraph { dangling, crossing, referrers })
}

/// Every object the final revision's graph reaches from its trailer: a new object outside it
/// is shown by no reader. Computed once per file, for every signature's analysis.
///
/// # Errors
/// [`PdfError::LimitExceeded`] for a graph past the work budget.
pub fn reachable<R: Read + Seek>(reader: &mut PdfReader<R>) -> Result<HashSet<u32>, PdfError> {
    walk(reader, |_, _| {}, |_, _| {})
}

/// The objects a DSS holds (ETSI EN 319 142-1 §5.4.2): the DSS and VRI dictionaries, their
/// arrays and the streams they list — nothing else it might point at.
fn dss_members<A: Read + Seek>(reader: &mut PdfReader<A>, dss: Option<&Object>) -> Result<HashSet<u32>, PdfError> {
    let mut out = HashSet::new();
    let Some(dss) = dss else { return Ok(out) };
    out.extend(reference(Some(dss)));
    let dss = reader.resolve(dss)?;
    let Some(dss) = dss.as_dict() else { return Ok(out) };
    let mut lists: Vec<Object> = [&b"Certs"[..], b"CRLs", b"OCSPs"].iter().filter_map(|k| dss.get(k).cloned()).collect();
    if let Some(vri) = dss.get(b"VRI") {
        out.extend(reference(Some(vri)));
        let vri = reader.resolve(vri)?;
        for (_, entry) in vri.as_dict().map(|d| d.0.clone()).unwrap_or_default().iter().take(MAX_CLOSURE) {
            out.extend(reference(Some(entry)));
            let entry = reader.resolve(entry)?;
            if let Some(e) = entry.as_dict() {
                lists.extend([&b"Cert"[..], b"CRL", b"OCSP"].iter().filter_map(|k| e.get(k).cloned()));
                out.extend(reference(e.get(b"TS")));
            }
        }
    }
    for list in lists.iter().take(MAX_CLOSURE) {
        out.extend(reference(Some(list)));
        let list = reader.resolve(list)?;
        out.extend(list.as_array().unwrap_or_default().iter().take(MAX_CLOSURE).filter_map(|o| reference(Some(o))));
    }
    Ok(out)
}

fn refs_in(object: &Object, out: &mut Vec<u32>) {
    match object {
        Object::Reference(n, _) => out.push(*n),
        Object::Array(items) => items.iter().for_each(|i| refs_in(i, out)),
        Object::Dictionary(d) | Object::Stream(d, _) => d.0.iter().for_each(|(_, v)| refs_in(v, out)),
        _ => {}
    }
}

/// Objects reachable from `start` that the signed revision did not have.
fn new_closure<A: Read + Seek, B: Read + Seek>(
    start: &[Object],
    now: &mut PdfReader<A>,
    signed: &mut PdfReader<B>,
    out: &mut HashSet<u32>,
) -> Result<(), PdfError> {
    let mut stack = Vec::new();
    for s in start {
        refs_in(s, &mut stack);
    }
    let mut seen = HashSet::new();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) || seen.len() > MAX_CLOSURE {
            continue;
        }
        if signed.entry(n).is_some_and(|e| !matches!(e, super::XrefEntry::Free)) {
            continue;
        }
        let object = now.object(n)?;
        if is_annotation(&object) {
            continue;
        }
        out.insert(n);
        refs_in(&object, &mut stack);
    }
    Ok(())
}

fn roles<'a, A: Read + Seek, B: Read + Seek>(now: &mut PdfReader<A>, signed: &mut PdfReader<B>, final_graph: &'a HashSet<u32>) -> Result<Roles<'a>, PdfError> {
    let (catalog_num, cat) = catalog(now)?;
    let (_, signed_cat) = catalog(signed)?;
    let form = reference(cat.get(b"AcroForm"));
    let mut field_lists = HashSet::new();
    if let Some(form_dict) = now.resolve(cat.get(b"AcroForm").unwrap_or(&Object::Null))?.as_dict() {
        field_lists.extend(reference(form_dict.get(b"Fields")));
    }
    let page_list = pages(signed, &signed_cat)?;
    let mut annot_lists = HashSet::new();
    for &p in &page_list {
        for reader_page in [now.object(p)?, signed.object(p)?] {
            if let Some(d) = reader_page.as_dict() {
                annot_lists.extend(reference(d.get(b"Annots")));
            }
        }
    }
    let signed_fields = fields(signed, &signed_cat)?;
    let before: HashMap<u32, Option<u32>> = signature_fields_of(&signed_fields).into_iter().map(|f| (f.number, f.value)).collect();
    let mut new_signature_fields = HashMap::new();
    let mut new_signature_values = HashSet::new();
    let mut timestamp_values = HashSet::new();
    let mut brought_along = HashSet::new();
    let now_fields = fields(now, &cat)?;
    for field in signature_fields_of(&now_fields) {
        let is_new = match before.get(&field.number) {
            None => true,
            Some(old_value) => old_value.is_none() && field.value.is_some(),
        };
        // Only signed fields count as new signatures; an empty one is a plain widget.
        let Some(v) = field.value else { continue };
        if !is_new {
            continue;
        }
        new_signature_fields.insert(field.number, field.name.clone());
        new_signature_values.insert(v);
        if now.object(v)?.as_dict().and_then(|d| d.name(b"SubFilter")) == Some(b"ETSI.RFC3161") {
            timestamp_values.insert(v);
        }
        // What its appearance brings along (streams and their resources; never annotations).
        let start: Vec<Object> = field.dict.get(b"AP").cloned().into_iter().collect();
        new_closure(&start, now, signed, &mut brought_along)?;
    }
    // New resources for form appearances (/DR fonts) and extension declarations come with
    // signatures and document timestamps; new objects only they reach change nothing signed.
    let mut resource_dicts = HashSet::new();
    if let Some(form_dict) = now.resolve(cat.get(b"AcroForm").unwrap_or(&Object::Null))?.as_dict() {
        let start: Vec<Object> = form_dict.get(b"DR").cloned().into_iter().collect();
        new_closure(&start, now, signed, &mut brought_along)?;
        resource_dicts.extend(reference(form_dict.get(b"DR")));
        if let Some(dr) = now.resolve(form_dict.get(b"DR").unwrap_or(&Object::Null))?.as_dict() {
            resource_dicts.extend(dr.0.iter().filter_map(|(_, v)| reference(Some(v))));
        }
    }
    let start: Vec<Object> = cat.get(b"Extensions").cloned().into_iter().collect();
    new_closure(&start, now, signed, &mut brought_along)?;
    let mut dss = dss_members(now, cat.get(b"DSS"))?;
    // Everything new under the DSS (VRI entries, indirect stream lengths) is validation material.
    let start: Vec<Object> = cat.get(b"DSS").cloned().into_iter().collect();
    new_closure(&start, now, signed, &mut dss)?;
    let signed_dss = dss_members(signed, signed_cat.get(b"DSS"))?;
    let info = now.trailer().and_then(|t| reference(t.get(b"Info")));
    let signed_info = signed.trailer().and_then(|t| reference(t.get(b"Info")));
    let metadata = reference(cat.get(b"Metadata"));
    let signed_metadata = reference(signed_cat.get(b"Metadata"));
    let SignedGraph { dangling, crossing, referrers } = walk_signed(signed, now)?;
    let mut xref_streams = HashSet::new();
    for revision in now.revisions().to_vec() {
        // The section's own stream, or the /XRefStm of a hybrid table.
        let at = match revision.kind {
            super::XrefKind::Stream => Some(revision.xref_offset),
            super::XrefKind::Table => revision.trailer.integer(b"XRefStm").and_then(|o| u64::try_from(o).ok()),
        };
        if let Some(at) = at
            && let Ok(head) = now.bytes_at(at, 32)
            && let Ok(number) = super::object::Parser::new(&head, 0).unsigned("object number")
        {
            xref_streams.extend(u32::try_from(number).ok());
        }
    }
    let object_streams = now.object_streams();
    let mut form_fields = HashMap::new();
    for (name, num, _, ft) in signed_fields {
        if ft.as_deref() != Some(b"Sig") {
            form_fields.insert(num, name);
        }
    }
    // New appearance streams of the form's fields (and their resources), for form filling.
    let mut field_appearances = HashSet::new();
    for (_, num, dict, _) in &now_fields {
        if form_fields.contains_key(num) {
            let start: Vec<Object> = dict.get(b"AP").cloned().into_iter().collect();
            new_closure(&start, now, signed, &mut field_appearances)?;
        }
    }
    Ok(Roles {
        catalog: catalog_num,
        form,
        field_lists,
        pages: page_list.into_iter().collect(),
        annot_lists,
        new_signature_fields,
        new_signature_values,
        timestamp_values,
        brought_along,
        resource_dicts,
        dss,
        signed_dss,
        info,
        signed_info,
        metadata,
        signed_metadata,
        form_fields,
        field_appearances,
        dangling,
        crossing,
        referrers,
        xref_streams,
        final_graph,
        object_streams,
    })
}

/// Whether two direct values say the same thing to a reader: dictionaries whatever the order
/// of their keys, numbers by value (`1` and `1.0`), everything else exactly. Rewriting an
/// object with the same meaning (as many producers do when they append a revision) is no
/// change.
fn equivalent(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::Integer(i), Object::Real(r)) | (Object::Real(r), Object::Integer(i)) => (*i as f64 - r).abs() < 1e-9,
        (Object::Real(x), Object::Real(y)) => (x - y).abs() < 1e-9,
        (Object::Array(x), Object::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equivalent(p, q)),
        (Object::Dictionary(x), Object::Dictionary(y)) => same_dict(x, y),
        (x, y) => x == y,
    }
}

fn same_dict(x: &Dictionary, y: &Dictionary) -> bool {
    x.0.len() == y.0.len() && x.0.iter().all(|(k, v)| y.get(k).is_some_and(|w| equivalent(v, w)))
}

/// Whether two objects, read through their own readers, are the same (streams by their
/// dictionaries and raw bytes).
fn same<A: Read + Seek, B: Read + Seek>(old: &Object, old_reader: &mut PdfReader<A>, new: &Object, new_reader: &mut PdfReader<B>) -> Result<bool, PdfError> {
    match (old, new) {
        (Object::Stream(od, odata), Object::Stream(nd, ndata)) => {
            let strip = |d: &Dictionary| Dictionary(d.0.iter().filter(|(k, _)| k != b"Length").cloned().collect());
            if !same_dict(&strip(od), &strip(nd)) || odata.length != ndata.length {
                return Ok(false);
            }
            Ok(old_reader.raw_stream(odata)? == new_reader.raw_stream(ndata)?)
        }
        (a, b) => Ok(equivalent(a, b)),
    }
}

/// Keys whose values differ between two dictionaries.
fn differing_keys(old: &Dictionary, new: &Dictionary) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = old.0.iter().chain(new.0.iter()).map(|(k, _)| k.clone()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| match (old.get(k), new.get(k)) {
            (Some(a), Some(b)) => !equivalent(a, b),
            (a, b) => a != b,
        })
        .collect()
}

fn key_list(keys: &[Vec<u8>]) -> String {
    keys.iter().map(|k| format!("/{}", String::from_utf8_lossy(k))).collect::<Vec<_>>().join(" ")
}

/// Judges a list (of fields or annotations) that may only grow by `allowed_new` members.
fn judge_list(old: &[Object], new: &[Object], may_add: &dyn Fn(u32) -> bool, may_remove: bool) -> Result<(), String> {
    let old_refs: Vec<u32> = old.iter().filter_map(|o| reference(Some(o))).collect();
    let new_refs: Vec<u32> = new.iter().filter_map(|o| reference(Some(o))).collect();
    if old_refs.len() != old.len() || new_refs.len() != new.len() {
        return Err("a list of fields or annotations holds direct objects".into());
    }
    if !may_remove && let Some(gone) = old_refs.iter().find(|r| !new_refs.contains(r)) {
        return Err(format!("object {gone} was removed from it"));
    }
    if let Some(added) = new_refs.iter().find(|r| !old_refs.contains(r) && !may_add(**r)) {
        return Err(format!("object {added} was added to it"));
    }
    Ok(())
}

fn is_annotation(object: &Object) -> bool {
    object.as_dict().is_some_and(|d| d.name(b"Type") == Some(b"Annot") || (d.get(b"Subtype").is_some() && d.get(b"Rect").is_some()))
}

/// Compares the signed revision with the newest and sorts every later difference into the
/// revision that made it. `final_graph` is what the final revision reaches ([`reachable`]).
/// `later` lists the later revisions, oldest first, as (revision number,
/// object numbers its sections define).
///
/// # Errors
/// [`PdfError`] when either state cannot be read.
pub fn analyse<A: Read + Seek, B: Read + Seek>(
    now: &mut PdfReader<A>,
    signed: &mut PdfReader<B>,
    later: &[(usize, &[u32])],
    allowance: Allowance,
    final_graph: &HashSet<u32>,
) -> Result<Vec<RevisionChanges>, PdfError> {
    let roles = roles(now, signed, final_graph)?;
    // The revision that last touched each object: its change is reported there.
    let mut owner: BTreeMap<u32, usize> = BTreeMap::new();
    for (revision, objects) in later {
        for n in objects.iter() {
            owner.insert(*n, *revision);
        }
    }
    let mut by_revision: BTreeMap<usize, Vec<Change>> = later.iter().map(|(r, _)| (*r, Vec::new())).collect();
    let signed_root = signed.trailer().and_then(|t| reference(t.get(b"Root")));
    if signed_root.is_none()
        && let Some(last) = by_revision.values_mut().last()
    {
        last.push(Change { allowed: false, kind: ChangeKind::Structure, what: "the signed revision has no document catalog".into() });
    }
    if now.trailer().is_some_and(|t| t.get(b"Encrypt").is_some())
        && signed.trailer().is_some_and(|t| t.get(b"Encrypt").is_none())
        && let Some(last) = by_revision.values_mut().last()
    {
        last.push(Change { allowed: false, kind: ChangeKind::Structure, what: "encryption was added".into() });
    }
    if let Some(last) = by_revision.values_mut().last() {
        for n in &roles.crossing {
            last.push(Change {
                allowed: false,
                kind: ChangeKind::Structure,
                what: format!("object {n} of the signed revision runs past the signed bytes into later ones"),
            });
        }
    }
    for (&n, &revision) in &owner {
        // A catalog written again under a new number is compared with the signed one.
        let old = match signed_root {
            Some(root) if n == roles.catalog && root != n => signed.object(root)?,
            _ => signed.object(n)?,
        };
        let new = now.object(n)?;
        if same(&old, signed, &new, now)? {
            continue;
        }
        let change = judge(n, &old, &new, &roles, allowance, now, signed)?;
        if let (Some(change), Some(list)) = (change, by_revision.get_mut(&revision))
            && !list.contains(&change)
        {
            list.push(change);
        }
    }
    Ok(by_revision.into_iter().map(|(revision, changes)| RevisionChanges { revision, allowed: changes.iter().all(|c| c.allowed), changes }).collect())
}

fn allowed(kind: ChangeKind, what: impl Into<String>) -> Option<Change> {
    Some(Change { allowed: true, kind, what: what.into() })
}

fn refused(kind: ChangeKind, what: impl Into<String>) -> Option<Change> {
    Some(Change { allowed: false, kind, what: what.into() })
}

#[allow(clippy::too_many_lines)]
fn judge<A: Read + Seek, B: Read + Seek>(
    n: u32,
    old: &Object,
    new: &Object,
    roles: &Roles,
    allowance: Allowance,
    now: &mut PdfReader<A>,
    signed: &mut PdfReader<B>,
) -> Result<Option<Change>, PdfError> {
    let existed = !matches!(old, Object::Null);
    let new_type = new.as_dict().and_then(|d| d.name(b"Type")).map(<[u8]>::to_vec);
    // A reference the signed revision left undefined, filled in later, changes what the
    // signed objects mean.
    if !existed && roles.dangling.contains(&n) {
        return Ok(refused(ChangeKind::Structure, format!("object {n}, referenced but undefined in the signed revision, was defined later")));
    }
    // Cross-reference and object streams are structure: a new one that is what it claims is
    // no change.
    if matches!(new, Object::Stream(..)) && matches!(new_type.as_deref(), Some(b"XRef" | b"ObjStm")) {
        let structural = match new_type.as_deref() {
            Some(b"XRef") => roles.xref_streams.contains(&n),
            _ => roles.object_streams.contains(&n),
        };
        // A new cross-reference stream that no section uses (producers leave them when they
        // switch to a table) defines nothing for any reader; an object stream might, for one
        // that rebuilds a broken file, so that one stays refused.
        let unused_xref = !existed && new_type.as_deref() == Some(b"XRef");
        return Ok(if existed || !(structural || unused_xref) {
            refused(ChangeKind::Structure, format!("stream {n} posing as a cross-reference or object stream"))
        } else {
            None
        });
    }
    // A new object that nothing in the final document refers to is shown by no reader (an
    // earlier revision's DSS or catalog, superseded since).
    if !existed && !roles.final_graph.contains(&n) {
        return Ok(None);
    }
    // Likewise an object of the signed revision that the final document no longer reaches
    // (a DSS superseded by a later one): whatever stopped referring to it is itself a change
    // to a reachable object, judged on its own.
    if existed && !roles.final_graph.contains(&n) {
        return Ok(allowed(ChangeKind::Structure, format!("object {n} of the signed revision changed, but the final document no longer refers to it")));
    }
    if matches!(new, Object::Null) {
        if allowance.annotations && is_annotation(old) {
            return Ok(allowed(ChangeKind::Annotation, format!("annotation {n} removed")));
        }
        return Ok(refused(ChangeKind::Structure, format!("object {n} was deleted")));
    }
    let timestamp_only = |name: &str| format!("document timestamp {name} added");
    if let Some(name) = roles.new_signature_fields.get(&n) {
        let dict = new.as_dict();
        if dict.is_some_and(|d| d.get(b"A").is_some() || d.get(b"AA").is_some()) {
            return Ok(refused(ChangeKind::Signature, format!("signature field {name} carries an action")));
        }
        if dict.is_some_and(|d| d.get(b"Kids").is_some()) {
            return Ok(refused(ChangeKind::Signature, format!("signature field {name} has kids")));
        }
        // A field the signed revision already placed keeps its place; a new one must not show.
        let placed = existed && ["Rect", "F", "P"].iter().all(|k| old.as_dict().and_then(|d| d.get(k.as_bytes())) == dict.and_then(|d| d.get(k.as_bytes())));
        let mut shown = None;
        if !placed && let Some(d) = dict.filter(|d| d.get(b"Rect").is_some() && !invisible(d)) {
            match visible_widget_overlap(d, roles, signed)? {
                Some(covered) => {
                    return Ok(refused(ChangeKind::Signature, format!("signature field {name} has a visible appearance over {covered}, which it could hide")));
                }
                None => shown = Some(rect_text(d)),
            }
        }
        let is_timestamp = reference(dict.and_then(|d| d.get(b"V"))).is_some_and(|v| roles.timestamp_values.contains(&v));
        if !is_timestamp && !allowance.signatures {
            return Ok(refused(ChangeKind::Signature, format!("signature field {name} added where the certification allows no signatures")));
        }
        if existed {
            let keys = differing_keys(old.as_dict().unwrap_or(&Dictionary::default()), dict.unwrap_or(&Dictionary::default()));
            if keys.iter().any(|k| !matches!(k.as_slice(), b"V" | b"AP")) {
                return Ok(refused(ChangeKind::Signature, format!("signature field {name} changed beyond its value ({})", key_list(&keys))));
            }
            return Ok(allowed(ChangeKind::Signature, format!("signature field {name} signed")));
        }
        let kind = if is_timestamp { ChangeKind::DocumentTimestamp } else { ChangeKind::Signature };
        return Ok(allowed(
            kind,
            match (is_timestamp, shown) {
                (true, _) => timestamp_only(name),
                (false, Some(rect)) => format!("signature field {name} added with a visible appearance at {rect}"),
                (false, None) => format!("signature field {name} added"),
            },
        ));
    }
    if !existed && (roles.new_signature_values.contains(&n) || roles.brought_along.contains(&n)) {
        return Ok(None);
    }
    if roles.dss.contains(&n) {
        // New material may join; of what existed, only the DSS's own dictionaries and arrays
        // may grow. A stream that existed stays as it was.
        let only_dss = roles.referred_only_by(n, |r| r == roles.catalog || roles.signed_dss.contains(&r));
        return Ok(if existed && (!roles.signed_dss.contains(&n) || matches!(old, Object::Stream(..)) || !only_dss) {
            refused(ChangeKind::ValidationMaterial, format!("object {n} of the signed revision was changed through the DSS"))
        } else {
            allowed(ChangeKind::ValidationMaterial, "validation material (DSS) added")
        });
    }
    if n == roles.catalog {
        let (Some(o), Some(w)) = (old.as_dict(), new.as_dict()) else { return Ok(refused(ChangeKind::Catalog, "the document catalog was replaced")) };
        let keys = differing_keys(o, w);
        let bad: Vec<Vec<u8>> =
            keys.iter().filter(|k| !matches!(k.as_slice(), b"AcroForm" | b"DSS" | b"Extensions" | b"Metadata" | b"Version" | b"MarkInfo")).cloned().collect();
        if !bad.is_empty() {
            return Ok(refused(ChangeKind::Catalog, format!("document catalog changed: {}", key_list(&bad))));
        }
        if keys.iter().any(|k| k == b"AcroForm")
            && let Err(why) = judge_form(o.get(b"AcroForm"), w.get(b"AcroForm"), roles, allowance, now, signed)
        {
            return Ok(refused(ChangeKind::Form, format!("interactive form changed: {why}")));
        }
        return Ok(allowed(ChangeKind::Catalog, format!("document catalog updated: {}", key_list(&keys))));
    }
    if Some(n) == roles.form {
        return Ok(match judge_form(Some(old), Some(new), roles, allowance, now, signed) {
            Ok(()) => allowed(ChangeKind::Form, "interactive form updated"),
            Err(why) => refused(ChangeKind::Form, format!("interactive form changed: {why}")),
        });
    }
    let may_add_field = |r: u32| roles.new_signature_fields.contains_key(&r);
    if roles.field_lists.contains(&n) {
        let (Some(o), Some(w)) = (old.as_array(), new.as_array()) else {
            return Ok(refused(ChangeKind::Form, format!("object {n} (the form's field list) changed type")));
        };
        return Ok(match judge_list(o, w, &may_add_field, false) {
            Ok(()) => allowed(ChangeKind::Form, "form field list extended with signature fields"),
            Err(why) => refused(ChangeKind::Form, format!("form field list changed: {why}")),
        });
    }
    if roles.pages.contains(&n) {
        let (Some(o), Some(w)) = (old.as_dict(), new.as_dict()) else { return Ok(refused(ChangeKind::Page, format!("page object {n} replaced"))) };
        let keys = differing_keys(o, w);
        // /Tabs (tab order) and /StructParents (the tagged-PDF structure link) change nothing
        // that is shown; Acrobat sets them when it adds a field.
        if keys.iter().any(|k| !matches!(k.as_slice(), b"Annots" | b"Tabs" | b"StructParents")) {
            return Ok(refused(ChangeKind::Page, format!("page object {n} changed: {}", key_list(&keys))));
        }
        let old_list = signed.resolve(o.get(b"Annots").unwrap_or(&Object::Null))?;
        let new_list = now.resolve(w.get(b"Annots").unwrap_or(&Object::Null))?;
        return Ok(judge_annots(n, old_list.as_array().unwrap_or_default(), new_list.as_array().unwrap_or_default(), roles, allowance));
    }
    // iText stamps its version as /ITXT on the page tree's root when it saves incrementally.
    // The key is private to iText, inherited by nothing and read by no renderer, so it cannot
    // change what any reader shows; every other change to a page tree node stays refused.
    if let (Some(o), Some(w)) = (old.as_dict(), new.as_dict())
        && o.name(b"Type") == Some(b"Pages")
        && w.name(b"Type") == Some(b"Pages")
        && differing_keys(o, w).iter().all(|k| k == b"ITXT")
    {
        return Ok(allowed(ChangeKind::Page, format!("page tree node {n}: iText's version marker /ITXT set")));
    }
    if roles.annot_lists.contains(&n) {
        let (Some(o), Some(w)) = (old.as_array(), new.as_array()) else {
            return Ok(refused(ChangeKind::Annotation, format!("annotation list {n} changed type")));
        };
        return Ok(judge_annots(n, o, w, roles, allowance));
    }
    // Metadata: the document information dictionary (strings only) and the XMP stream, when
    // they are new or were already those in the signed revision.
    if Some(n) == roles.info && ((roles.signed_info == Some(n) && roles.referred_only_by(n, |r| r == TRAILER)) || !existed) {
        let plain = new.as_dict().is_some_and(|d| d.0.iter().all(|(_, v)| matches!(v, Object::String(_) | Object::Name(_) | Object::Null)));
        if plain && matches!(new, Object::Dictionary(_)) {
            return Ok(allowed(ChangeKind::Metadata, "document information updated"));
        }
    }
    if Some(n) == roles.metadata && ((roles.signed_metadata == Some(n) && roles.referred_only_by(n, |r| r == roles.catalog)) || !existed) {
        let xmp =
            matches!(new, Object::Stream(..)) && new.as_dict().is_some_and(|d| d.name(b"Type") == Some(b"Metadata") && d.name(b"Subtype") == Some(b"XML"));
        if xmp {
            return Ok(allowed(ChangeKind::Metadata, "XMP metadata updated"));
        }
    }
    if let Some(name) = roles.form_fields.get(&n) {
        let (Some(o), Some(w)) = (old.as_dict(), new.as_dict()) else { return Ok(refused(ChangeKind::Form, format!("form field {name} replaced"))) };
        let keys = differing_keys(o, w);
        if keys.iter().all(|k| matches!(k.as_slice(), b"V" | b"AS" | b"AP")) {
            return Ok(if allowance.form_filling {
                allowed(ChangeKind::Form, format!("form field {name} filled in"))
            } else {
                refused(ChangeKind::Form, format!("form field {name} filled in without a certification that allows it"))
            });
        }
        return Ok(refused(ChangeKind::Form, format!("form field {name} changed: {}", key_list(&keys))));
    }
    if is_annotation(new) || is_annotation(old) {
        return Ok(if allowance.annotations {
            allowed(ChangeKind::Annotation, format!("annotation {n} added or changed"))
        } else {
            refused(ChangeKind::Annotation, format!("annotation {n} added or changed"))
        });
    }
    if existed
        && roles.resource_dicts.contains(&n)
        && let (Some(o), Some(w)) = (old.as_dict(), new.as_dict())
        && first_lost_entry(o, w).is_none()
    {
        return Ok(allowed(ChangeKind::Form, "the form's default resources gained entries"));
    }
    // An appearance stream that only filled-in fields use may be redrawn with their values;
    // one that anything else in the signed revision also uses (page content, another
    // annotation) may not.
    let only_fields_use = |x: u32| {
        roles.form_fields.contains_key(&x) || roles.referrers.get(&x).is_some_and(|l| !l.is_empty() && l.iter().all(|r| roles.form_fields.contains_key(r)))
    };
    if existed
        && allowance.form_filling
        && matches!(old, Object::Stream(..))
        && matches!(new, Object::Stream(..))
        && new.as_dict().is_some_and(|d| d.name(b"Subtype") == Some(b"Form"))
        && roles.referred_only_by(n, only_fields_use)
        && roles.referrers.get(&n).is_some_and(|l| !l.is_empty())
    {
        return Ok(allowed(ChangeKind::Form, format!("appearance stream {n} of a filled-in field redrawn")));
    }
    if !existed {
        // A new object only the new object graph explains: appearance streams of filled
        // fields under form filling; anything else is unexplained content.
        if allowance.form_filling && (roles.field_appearances.contains(&n) || new.as_dict().is_some_and(|d| d.name(b"Subtype") == Some(b"Form"))) {
            return Ok(allowed(ChangeKind::Form, format!("appearance stream {n} added")));
        }
        return Ok(refused(ChangeKind::Structure, format!("object {n} added outside any signature, DSS or permitted change")));
    }
    let what = match (old, new) {
        (Object::Stream(..), _) => format!("stream {n} of the signed revision changed (content, image, font or appearance)"),
        (Object::Dictionary(o), Object::Dictionary(w)) => format!("object {n} of the signed revision changed: {}", key_list(&differing_keys(o, w))),
        _ => format!("object {n} of the signed revision changed"),
    };
    Ok(refused(ChangeKind::Content, what))
}

/// The four numbers of a widget's /Rect, as text.
fn rect_text(widget: &Dictionary) -> String {
    match rectangle(widget.get(b"Rect")) {
        Some([x1, y1, x2, y2]) => format!("[{x1} {y1} {x2} {y2}]"),
        None => "an unreadable rectangle".into(),
    }
}

/// A later signature's visible widget (as Acrobat and most signing tools make them) may stand
/// on the page, but not over what the signed revision already showed there as annotations:
/// another signature's appearance, a form field, a note. Page content under it stays drawn
/// beneath the stamp, which the report names with its rectangle so a reader can show where
/// it is. A stamp larger than a quarter of the page is a cover, not a stamp, and is refused
/// too. Returns what it would cover, or `None`.
fn visible_widget_overlap<B: Read + Seek>(widget: &Dictionary, roles: &Roles, signed: &mut PdfReader<B>) -> Result<Option<String>, PdfError> {
    let Some(rect) = rectangle(widget.get(b"Rect")) else { return Ok(Some("an unreadable rectangle".into())) };
    let page = reference(widget.get(b"P"));
    for &p in &roles.pages {
        if page.is_some_and(|q| q != p) {
            continue;
        }
        if let Some(what) = covered_on_page(rect, p, signed)? {
            return Ok(Some(what));
        }
    }
    Ok(None)
}

fn judge_annots(page: u32, old: &[Object], new: &[Object], roles: &Roles, allowance: Allowance) -> Option<Change> {
    let may_add = |r: u32| roles.new_signature_fields.contains_key(&r) || allowance.annotations;
    let result = judge_list(old, new, &may_add, allowance.annotations);
    match result {
        Ok(()) => allowed(ChangeKind::Annotation, format!("annotations of page object {page} extended")),
        Err(why) => refused(ChangeKind::Annotation, format!("annotations of page object {page} changed: {why}")),
    }
}

/// The first key of `old` that `new` lost or gave another value: `None` when `new` only grew.
fn first_lost_entry<'a>(old: &'a Dictionary, new: &Dictionary) -> Option<&'a [u8]> {
    old.0.iter().find(|(k, v)| new.get(k).is_none_or(|x| !equivalent(v, x))).map(|(k, _)| k.as_slice())
}

/// Default resources may gain entries (a font for a new signature's appearance), never lose or
/// change one: the names fields already use keep what they meant.
fn resources_only_grew<A: Read + Seek, B: Read + Seek>(
    old: Option<&Dictionary>,
    new: Option<&Dictionary>,
    now: &mut PdfReader<A>,
    signed: &mut PdfReader<B>,
) -> Result<(), String> {
    let Some(old) = old else { return Ok(()) };
    let new = new.ok_or("/DR was removed")?;
    for (category, old_entries) in &old.0 {
        // Named XObjects in /DR (Acrobat keeps its signature appearances there) are drawn by
        // nothing: no field appearance and no page refers to them through /DR.
        if category == b"XObject" {
            continue;
        }
        let old_entries = signed.resolve(old_entries).map_err(|e| e.to_string())?;
        let new_entries = now.resolve(new.get(category).unwrap_or(&Object::Null)).map_err(|e| e.to_string())?;
        match (old_entries.as_dict(), new_entries.as_dict()) {
            (Some(o), Some(w)) => {
                if let Some(name) = first_lost_entry(o, w) {
                    return Err(format!("/DR /{} /{} changed", String::from_utf8_lossy(category), String::from_utf8_lossy(name)));
                }
            }
            _ if equivalent(&old_entries, &new_entries) => {}
            _ => return Err(format!("/DR /{} changed", String::from_utf8_lossy(category))),
        }
    }
    Ok(())
}

fn judge_form<A: Read + Seek, B: Read + Seek>(
    old: Option<&Object>,
    new: Option<&Object>,
    roles: &Roles,
    allowance: Allowance,
    now: &mut PdfReader<A>,
    signed: &mut PdfReader<B>,
) -> Result<(), String> {
    let read = |r: Result<Object, PdfError>| r.map_err(|e| e.to_string());
    let old = read(signed.resolve(old.unwrap_or(&Object::Null)))?;
    let new = read(now.resolve(new.unwrap_or(&Object::Null)))?;
    let empty = Dictionary::default();
    let (o, w) = (old.as_dict().unwrap_or(&empty), new.as_dict().ok_or("the form is not a dictionary")?);
    let keys = differing_keys(o, w);
    for key in &keys {
        match key.as_slice() {
            b"Fields" => {
                let old_list = read(signed.resolve(o.get(b"Fields").unwrap_or(&Object::Null)))?;
                let new_list = read(now.resolve(w.get(b"Fields").unwrap_or(&Object::Null)))?;
                judge_list(
                    old_list.as_array().unwrap_or_default(),
                    new_list.as_array().unwrap_or_default(),
                    &|r| roles.new_signature_fields.contains_key(&r),
                    false,
                )?;
            }
            b"SigFlags" => {
                let (before, after) = (o.integer(b"SigFlags").unwrap_or(0), w.integer(b"SigFlags").unwrap_or(0));
                if before & after != before {
                    return Err("/SigFlags lost a flag".into());
                }
            }
            b"DR" => {
                let old_dr = read(signed.resolve(o.get(b"DR").unwrap_or(&Object::Null)))?;
                let new_dr = read(now.resolve(w.get(b"DR").unwrap_or(&Object::Null)))?;
                resources_only_grew(old_dr.as_dict(), new_dr.as_dict(), now, signed)?;
            }
            b"DA" if o.get(key).is_none() || allowance.form_filling => {}
            b"NeedAppearances" if allowance.form_filling => {}
            other => return Err(format!("/{} changed", String::from_utf8_lossy(other))),
        }
    }
    Ok(())
}
