# Google's import-everything check (python3/testdata), same skip list: walk the stdlib with
# pkgutil and import every module. Prints "imported N modules" or the failures, exits 1 on any.
import importlib
import pkgutil
import sys
import sysconfig

SKIP_PREFIXES = ("test.", "idlelib", "tkinter", "turtledemo", "lib2to3.tests", "_pyrepl._minimal_curses")
SKIP = {
    "test", "antigravity", "this", "turtle", "_ios_support", "_pyrepl._minimal_curses",
    "unittest.__main__", "venv.__main__", "dbm.gnu", "_gdbm", "tkinter", "_tkinter",
    "ensurepip.__main__", "pip.__main__", "idlelib", "__phello__.spam",
    # Debian's shim for distutils, which Python 3.12 removed: fails alike in Google's image.
    "_distutils_system_mod",
}
WINDOWS = ("msvcrt", "winreg", "winsound", "_winapi", "_msi", "msilib", "nt", "_overlapped",
           "asyncio.windows_events", "_pyrepl.windows_console", "_pyrepl.windows_eventqueue", "asyncio.windows_utils", "multiprocessing.popen_spawn_win32",
           "encodings.mbcs", "encodings.oem", "distutils.msvccompiler", "_winreg")
stdlib = sysconfig.get_paths()["stdlib"]
dynload = sysconfig.get_paths()["platstdlib"] + "/lib-dynload"
failures = []
count = 0


def onerror(name):
    failures.append((name, repr(sys.exc_info()[1])))


names = set(sys.builtin_module_names)
for info in pkgutil.walk_packages([stdlib, dynload], onerror=onerror):
    names.add(info.name)
for name in sorted(names):
    if name in SKIP or name in WINDOWS or name.startswith(SKIP_PREFIXES) or name.endswith(".__main__"):
        continue
    try:
        importlib.import_module(name)
        count += 1
    except Exception as e:  # noqa: BLE001 - every failure is reported
        failures.append((name, repr(e)))
for name, err in failures:
    print(f"FAILED {name}: {err}")
print(f"imported {count} modules, {len(failures)} failed")
sys.exit(1 if failures else 0)
