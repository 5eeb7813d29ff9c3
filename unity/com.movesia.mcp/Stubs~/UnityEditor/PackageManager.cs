// Hand-written compile-time stubs of the Package Manager members the Movesia editor layer
// uses (list_packages, add_package, remove_package). Written from the public Scripting
// API names; see Documentation~/stubs.md.
namespace UnityEditor.PackageManager
{
    public enum StatusCode { InProgress = 0, Success = 1, Failure = 2 }

    public enum PackageSource { Unknown = 0, BuiltIn = 1, Registry = 2, Embedded = 3, Local = 4, Git = 5, LocalTarball = 6 }

    public sealed class Error
    {
        public string message { get { throw null; } }
    }

    public sealed class PackageInfo
    {
        public string name { get { throw null; } }

        public string version { get { throw null; } }

        public string displayName { get { throw null; } }

        public PackageSource source { get { throw null; } }

        public static PackageInfo[] GetAllRegisteredPackages() { throw null; }
    }

    public static class Client
    {
        public static Requests.AddRequest Add(string identifier) { throw null; }

        public static Requests.RemoveRequest Remove(string packageName) { throw null; }
    }
}

namespace UnityEditor.PackageManager.Requests
{
    public abstract class Request
    {
        public bool IsCompleted { get { throw null; } }

        public StatusCode Status { get { throw null; } }

        public Error Error { get { throw null; } }
    }

    public abstract class Request<T> : Request
    {
        public T Result { get { throw null; } }
    }

    public sealed class AddRequest : Request<PackageInfo>
    {
    }

    public sealed class RemoveRequest : Request
    {
    }
}
