"""Marks the wheel as platform-specific: it carries a native library, so its tag names this
interpreter's platform (e.g. py3-none-linux_x86_64) instead of py3-none-any. The library is
loaded with ctypes, not as an extension module, so any Python 3 on that platform can use it."""

import sysconfig

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class NativeLibraryHook(BuildHookInterface):
    def initialize(self, version, build_data):
        build_data["pure_python"] = False
        platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        build_data["tag"] = f"py3-none-{platform}"
