// The Mono-run test driver (tests/unity/test_editor_layer_runtime.py) calls the layer's
// Unity-free internals: argument checks, the console handlers over the fallback buffer,
// the size budget of property dumps.
using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("MovesiaEditorLayerDriver")]
