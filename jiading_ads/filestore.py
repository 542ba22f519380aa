"""The files behind the storage API (evidence on the local disk or on an S3
object store alike), for `backup` and `restore`."""

from django.core.files import File


def all_files(storage, folder=""):
    """Every file name in `storage`, folders walked, in no particular order.
    One listing per folder."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return  # a local MEDIA_ROOT that nothing was uploaded to yet
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for name in folders:
        yield from all_files(storage, f"{folder}/{name}" if folder else name)


def put(storage, name, path):
    """Store the file at `path` under exactly `name`; refuses to rename it."""
    with open(path, "rb") as handle:
        saved = storage.save(name, File(handle, name=name))
    if saved != name:
        storage.delete(saved)
        raise FileExistsError(f"{name} 已存在，未能按原名恢复")
