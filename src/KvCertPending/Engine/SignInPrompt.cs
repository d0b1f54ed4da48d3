using System;
using KvCertPending.Commands;

namespace KvCertPending.Engine
{
    /// <summary>
    /// Carries what a user sign-in must show the user (the device-code message) from the worker thread where the credential
    /// asks for it to the pipeline thread of the cmdlet that is waiting for the sign-in, which writes it as a warning (never
    /// Console.WriteLine from a worker). Only while a cmdlet is attached: a prompt outside one (a later command needing a fresh
    /// sign-in) cannot reach the user, so the credential then fails with an error saying to connect again.
    /// </summary>
    internal sealed class SignInPrompt
    {
        private readonly object _gate = new();
        private PipelineQueue? _queue;

        /// <summary>Routes prompts to this cmdlet's pipeline thread until the returned handle is disposed.</summary>
        public IDisposable Attach(PipelineQueue queue)
        {
            lock (_gate)
            {
                _queue = queue;
            }

            return new Detach(this, queue);
        }

        /// <summary>Queues the message for the attached cmdlet; false when no cmdlet is waiting for this sign-in.</summary>
        public bool Show(string message)
        {
            lock (_gate)
            {
                if (_queue is null)
                {
                    return false;
                }

                _queue.Post(cmdlet => cmdlet.WriteWarning(message));
                return true;
            }
        }

        private sealed class Detach : IDisposable
        {
            private readonly SignInPrompt _prompt;
            private readonly PipelineQueue _queue;

            public Detach(SignInPrompt prompt, PipelineQueue queue)
            {
                _prompt = prompt;
                _queue = queue;
            }

            public void Dispose()
            {
                lock (_prompt._gate)
                {
                    if (ReferenceEquals(_prompt._queue, _queue))
                    {
                        _prompt._queue = null;
                    }
                }
            }
        }
    }
}
