"""A private, headless LibreOffice driven through its Python bridge, for the lo_*.py scripts.

They run with the system Python that has LibreOffice's `uno` module (Debian's
python3-uno), not the project's virtualenv, and import this from beside them.
"""

import contextlib
import os
import subprocess
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    value_holder = PropertyValue()
    value_holder.Name, value_holder.Value = name, value
    return value_holder


@contextlib.contextmanager
def document(path, profile):
    """The spreadsheet at `path`, opened hidden in a LibreOffice of its own (profile
    directory `profile`), which is stopped afterwards; yields (desktop, document)."""
    pipe = f"lo-uno-{uuid.uuid4().hex}"
    office = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--invisible",
            "--norestore",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    desktop = None
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(120):
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:  # not listening yet
                time.sleep(0.5)
        else:
            raise SystemExit("LibreOffice did not start")
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        url = uno.systemPathToFileUrl(os.path.abspath(path))
        opened = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
        try:
            yield opened
        finally:
            opened.close(True)
    finally:
        try:
            if desktop is not None:
                desktop.terminate()
        except Exception:  # LibreOffice already gone
            pass
        office.terminate()
        office.wait(30)


def save_as_xlsx(opened, path):
    opened.storeToURL(uno.systemPathToFileUrl(os.path.abspath(path)), (prop("FilterName", "Calc MS Excel 2007 XML"),))
