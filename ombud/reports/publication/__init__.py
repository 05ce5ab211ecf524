"""Reports to the media: the snapshot, publishing and withdrawing, the public page and files,
and the readers' poll (docs/publication.md)."""
