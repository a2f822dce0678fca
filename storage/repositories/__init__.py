"""One repository module per subject or concern; the unit of work (storage/uow.py)
holds one of each."""
