"""The simulated editor's commands, one module per catalog domain (see ``base.py``)."""
