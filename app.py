"""Serve the plan knowledge base in a browser: `python app.py [--index index] [--corpus corpus] [--host 127.0.0.1] [--port 7860]`.

The app itself lives in kb/app.py (``create_app``); this file is the launcher the README names.
If the index is missing it is built first, with progress in the terminal.
"""

from kb.interfaces.web.app import main

if __name__ == "__main__":
    main()
