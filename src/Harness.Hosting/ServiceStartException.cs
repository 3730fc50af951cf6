namespace Harness.Hosting;

/// <summary>A child service did not come up; the message carries the tail of its output.</summary>
public sealed class ServiceStartException(string message, Exception? inner = null) : Exception(message, inner);
