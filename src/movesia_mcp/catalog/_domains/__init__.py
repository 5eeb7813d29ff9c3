"""The catalog's models, one module per domain of the editor.

Each module holds the parameter and result models of one group of tools (and the rules
only those models use); ``catalog/tools.py`` lists the tools themselves, in one table,
and re-exports every model from here.

==============  ===========================================================================
scene_graph     get_hierarchy, find_objects, inspect_object
gameobjects     create, duplicate, rename, reparent, move to a scene
components      add, remove, set properties (``ComponentInfo``, ``ComponentResult``)
prefabs         instantiate, create, apply, revert
scenes          open, save, create, set the active scene
assets          search, refresh, delete
materials       create, modify, assign
scripts         write, read, edit by ranges (``CompilerMessage``)
undo            undo, redo (``UNDOABLE_COMMANDS``)
console         read the console
editor          editor state, play mode, selection, menu items, project settings
batch           batch (``atomic_step_refusal``)
capture         capture_view
testing         list_tests, run_tests
packages        list, add, remove packages (``package_name``, ``package_id``)
==============  ===========================================================================
"""
