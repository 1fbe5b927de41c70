import pathlib
import sys

# Tests import the app the way Gunicorn does: from the app/ directory.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
