# Writes an offline wheel (hello-1.0-py3-none-any.whl) into the directory given as argv[1],
# so builder_venv_runs_in_runtime needs no package index.
import sys
import zipfile

with zipfile.ZipFile(f"{sys.argv[1]}/hello-1.0-py3-none-any.whl", "w") as z:
    z.writestr("hello.py", 'def hi():\n    return "hi from venv"\n')
    z.writestr("hello-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: hello\nVersion: 1.0\n")
    z.writestr("hello-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: check\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr("hello-1.0.dist-info/RECORD", "")
