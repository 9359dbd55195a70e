using System.Diagnostics;
using System.Text;

namespace Scalable.TestSupport;

/// <summary>A Scalable.TestHost child process (copied next to the test assembly by a project reference) that a test can kill with SIGKILL.</summary>
public sealed class TestHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _readyLine;

    private TestHostProcess(Process process, string readyLine)
    {
        _process = process;
        _readyLine = readyLine;
    }

    /// <summary>Gets what the child wrote to stdout and stderr so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the child with the given arguments and waits until it prints the ready line.</summary>
    /// <param name="readyLine">The line the child prints once it is in the state the test wants.</param>
    /// <param name="args">The mode and its arguments.</param>
    /// <returns>The running child.</returns>
    public static async Task<TestHostProcess> StartAsync(string readyLine, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Scalable.TestHost.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("Scalable.TestHost.dll is not next to the tests: add a ProjectReference to tests/Scalable.TestHost and build.", dll);
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var child = new TestHostProcess(new Process { StartInfo = start }, readyLine);
        child._process.OutputDataReceived += (_, e) => child.Received(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Received(e.Data);
        child._process.Start();
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        var exited = child._process.WaitForExitAsync();
        if (await Task.WhenAny(child._ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))).ConfigureAwait(false) != child._ready.Task)
        {
            child.Dispose();
            throw new InvalidOperationException($"The test host did not print '{readyLine}':\n{child.Output}");
        }

        return child;
    }

    /// <summary>Kills the child with SIGKILL, as a crash or an OOM kill would, and waits until it is gone.</summary>
    public void Kill()
    {
        // On Unix Process.Kill sends SIGKILL: no finally block, no dispose, no graceful close of its connections runs.
        _process.Kill();
        _process.WaitForExit();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
    }

    private void Received(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line == _readyLine)
        {
            _ready.TrySetResult();
        }
    }
}
