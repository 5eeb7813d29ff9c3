// Starts the link when the editor loads (and after every domain reload). Skips asset
// import workers, and batch mode unless MOVESIA_MCP_BATCH=1.
using System;
using Movesia.Mcp.Core;
using UnityEditor;
using UnityEngine;

namespace Movesia.Mcp.Editor
{
    [InitializeOnLoad]
    public static class MovesiaBootstrap
    {
        private static MainThreadQueue queue;
        private static CommandTable commands;
        private static LinkServices services;
        private static ILog log;
        private static bool hooked;

        static MovesiaBootstrap()
        {
            if (AssetDatabase.IsAssetImportWorkerProcess())
            {
                return;
            }
            if (Application.isBatchMode && !MovesiaSettings.RunInBatchMode)
            {
                return;
            }
            try
            {
                Initialise();
            }
            catch (Exception e)
            {
                Debug.LogError(UnityLog.Prefix + "could not start: " + e);
            }
        }

        /// <summary>False in import workers and (by default) batch mode.</summary>
        public static bool Active
        {
            get { return services != null; }
        }

        private static void Initialise()
        {
            string dataPath = Application.dataPath;   // <project>/Assets
            string project = dataPath.Substring(0, dataPath.Length - "/Assets".Length).Replace('\\', '/').TrimEnd('/');
            EditorContext.ProjectPath = project;
            log = new UnityLog();
            EditorContext.Log = log;
            queue = new MainThreadQueue();
            commands = new CommandTable();
            Handlers.RegisterAll(commands);
            string key = MovesiaSettings.ProjectKey(project);
            services = new LinkServices
            {
                Clock = new StopwatchClock((long)(EditorApplication.timeSinceStartup * 1000.0)),
                Random = new SystemRandom(),
                ReloadStore = new SessionStateStore(key),
                ProjectStore = new ProjectFileStore(project, log),
                MainThread = queue,
                Log = log,
                Sockets = new ClientWebSocketFactory(),
                Probe = new UnityProbe(),
            };
            CreateLink();
            try
            {
                // Listen for the end of test runs in this domain: a PlayMode run_tests started
                // before the reload is answered from its RunFinished.
                TestHandlers.Hook();
            }
            catch (Exception e)
            {
                log.Error("could not listen for test runs (run_tests in PlayMode will time out): " + e.Message);
            }
            EditorEvents.Hook(queue);
            EditorApplication.update += OnUpdate;
            AssemblyReloadEvents.beforeAssemblyReload += OnBeforeAssemblyReload;
            EditorApplication.quitting += OnQuitting;
            hooked = true;
            EditorWaker.Start(queue);
            // Connect unless disabled, or stopped from the window in this editor session; but
            // always after a reload that interrupted a live link (it may owe answers).
            bool interrupted = services.ReloadStore.Get(EditorLink.KeyReloading) != null;
            if (interrupted || (MovesiaSettings.AutoStart && !UserStopped))
            {
                EditorContext.Link.Start();
            }
        }

        private static void CreateLink()
        {
            var options = new LinkOptions
            {
                ServerUrl = MovesiaSettings.ServerUrl,
                ProjectPath = EditorContext.ProjectPath,
                UnityVersion = Application.unityVersion,
                Token = MovesiaSettings.Token,
            };
            EditorContext.Link = new EditorLink(options, services, commands);
            EditorLink link = EditorContext.Link;
            link.Changed += OnLinkChanged;
        }

        /// <summary>Raised on the main thread whenever the link's snapshot changes (the window listens).</summary>
        public static event Action LinkChanged;

        private static void OnLinkChanged()
        {
            Action handler = LinkChanged;
            if (handler != null)
            {
                handler();
            }
        }

        /// <summary>Apply changed settings: stop the link and start a new one with them.</summary>
        public static void Restart()
        {
            if (!Active)
            {
                return;
            }
            EditorLink old = EditorContext.Link;
            if (old != null)
            {
                old.Changed -= OnLinkChanged;
                // Hand over through the reload store: the ledger, deferred commands, unsent
                // answers and events go to the new link, so no command runs twice and none
                // loses its answer (and no reload is assumed: compiles keep being waited for).
                old.HandOver();
            }
            CreateLink();
            UserStopped = false;
            EditorContext.Link.Start();
            OnLinkChanged();
        }

        public static void Start()
        {
            if (Active && EditorContext.Link != null)
            {
                UserStopped = false;
                EditorContext.Link.Start();
            }
        }

        public static void Stop()
        {
            if (Active && EditorContext.Link != null)
            {
                UserStopped = true;
                EditorContext.Link.Stop("stopped from the Movesia MCP window");
            }
        }

        // Stopped from the window: stays stopped across reloads until Start, for this editor session.
        private static bool UserStopped
        {
            get { return SessionState.GetBool(UserStoppedKey(), false); }
            set { SessionState.SetBool(UserStoppedKey(), value); }
        }

        private static string UserStoppedKey()
        {
            return "Movesia.Mcp." + MovesiaSettings.ProjectKey(EditorContext.ProjectPath) + ".UserStopped";
        }

        private static void OnUpdate()
        {
            queue.Drain(log);
            EditorLink link = EditorContext.Link;
            if (link != null)
            {
                try
                {
                    link.Tick();
                }
                catch (Exception e)
                {
                    log.Error("tick failed: " + e);
                }
            }
            try
            {
                EditorEvents.Tick();
            }
            catch (Exception e)
            {
                log.Error("event tick failed: " + e);
            }
        }

        private static void OnBeforeAssemblyReload()
        {
            EditorLink link = EditorContext.Link;
            if (link != null)
            {
                try
                {
                    link.PrepareForReload();
                }
                catch (Exception e)
                {
                    log.Error("could not prepare for the reload: " + e);
                }
            }
            EditorWaker.Stop();
            if (hooked)
            {
                EditorEvents.Unhook();
                EditorApplication.update -= OnUpdate;
                hooked = false;
            }
        }

        private static void OnQuitting()
        {
            EditorWaker.Stop();
            EditorLink link = EditorContext.Link;
            if (link != null)
            {
                link.Stop("editor quitting");
            }
        }
    }
}
