using System.CommandLine;
using System.Text.Json;
using FineTune.Cli.Doctor;

namespace FineTune.Cli.Commands;

/// <summary><c>finetune doctor [--json]</c>: what this machine has, and what to install when something is missing.</summary>
internal static class DoctorCommand
{
    public static Command Create(TextWriter output)
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("doctor", "Check libtorch, BLAS, threads, CUDA and GPUs, .NET, PostgreSQL and node") { json };
        command.SetAction(parseResult =>
        {
            DoctorReport report = DoctorReport.Collect();
            if (parseResult.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(report, CliJson.Options));
            }
            else
            {
                DoctorText.Write(report, output);
            }
            // Only what running needs fails the check (DoctorReport.Classify); warnings keep exit code 0.
            return report.Ok ? 0 : 1;
        });
        return command;
    }
}
