// Tests share TorchSharp's global state (threads, seeds, dispose scopes are per thread): run them one at a time.
[assembly: DoNotParallelize]
