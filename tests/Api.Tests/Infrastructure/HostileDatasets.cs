using System.Text;

namespace FineTune.Api.Tests.Infrastructure;

/// <summary>
/// Generates malformed and hostile dataset files from a seeded <see cref="Random"/>: broken JSON, wrong types,
/// binary, empty files, a 100 MB line, ragged CSV, huge numbers, NaN, bad UTF-8 and unknown record shapes. Every one
/// must be refused.
/// </summary>
internal static class HostileDatasets
{
    private const string GoodLine = """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}""";

    private static readonly string[] s_wrongTypes =
    [
        """{"messages":5}""",
        """{"messages":"hello"}""",
        """{"messages":[1,2,3]}""",
        """{"messages":[{"role":1,"content":"x"},{"role":"assistant","content":"y"}]}""",
        """{"messages":[{"role":"user","content":["a"]},{"role":"assistant","content":{"x":1}}]}""",
        """{"messages":[{"role":"wizard","content":"x"},{"role":"assistant","content":"y"}]}""",
        """{"messages":[]}""",
        """{"messages":null}""",
        """{"prompt":1e400,"completion":"x"}""",
        """{"prompt":"x","completion":123456789012345678901234567890}""",
        """{"instruction":true,"output":false}""",
        """{"text":null}""",
        """{"text":{"nested":"object"}}""",
        """{"conversations":[{"from":"martian","value":"x"}]}""",
        """{"foo":"bar","baz":1}""",
        """{}""",
        """[]""",
        """42""",
        "\"just a string\"",
        """null""",
    ];

    private static readonly string[] s_invalidJson =
    [
        """{"text": NaN}""",
        """{"text": Infinity}""",
        """{"text": -Infinity}""",
        """{"text": 'single quotes'}""",
        """{text: "unquoted key"}""",
        """{"text": "trailing comma",}""",
        """{"text": "a" "b"}""",
        """{"text": "\x"}""",
        """{"text": "\u12"}""",
        """{"text": 01}""",
        """{"text": 1.}""",
        """{"text": .5}""",
    ];

    public static List<HostileCase> Generate(Random random)
    {
        var cases = new List<HostileCase>
        {
            HostileCase.Dataset("empty", []),
            HostileCase.Dataset("whitespace only", "  \n\t\r\n  "u8.ToArray()),
            HostileCase.Dataset("UTF-16 with BOM", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(GoodLine)).ToArray()),
            HostileCase.Dataset("overlong UTF-8", [.. "{\"text\":\""u8, 0xC0, 0xAF, .. "\"}\n"u8]),
            HostileCase.Dataset("UTF-8 surrogate", [.. "{\"text\":\""u8, 0xED, 0xA0, 0x80, .. "\"}\n"u8]),
            HostileCase.Dataset("raw NUL in a string", [.. "{\"text\":\"a"u8, 0x00, .. "b\"}\n"u8]),
            HostileCase.Dataset("lone surrogate escape only", Encoding.UTF8.GetBytes("{\"text\":\"\\ud800\"}\n{\"foo\":1}\n")),
            HostileCase.Dataset("deeply nested", Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000))),
            HostileCase.Dataset("deeply nested record", Encoding.UTF8.GetBytes("{\"text\":" + new string('[', 5000) + new string(']', 5000) + "}\n")),
            HostileCase.Dataset("unclosed array", Encoding.UTF8.GetBytes("[" + GoodLine + "," + GoodLine)),
            HostileCase.Dataset("array of numbers", Encoding.UTF8.GetBytes("[1,2,3]")),
            HostileCase.Dataset("CSV header only", "a,b,c\n"u8.ToArray(), "text/csv"),
            HostileCase.Dataset("CSV duplicate header", "a,a\n1,2\n"u8.ToArray(), "text/csv"),
            HostileCase.Dataset("CSV empty header name", "a,,c\n1,2,3\n"u8.ToArray(), "text/csv"),
            HostileCase.Dataset("CSV unclosed quote", "a,b\n\"1,2\n"u8.ToArray(), "text/csv"),
            HostileCase.Dataset("named format unknown", Encoding.UTF8.GetBytes(GoodLine + "\n"), query: "&format=parquet"),
            HostileCase.Dataset("named format mismatched", Encoding.UTF8.GetBytes(GoodLine + "\n"), query: "&format=alpaca"),
            HostileCase.Dataset("name with NUL", Encoding.UTF8.GetBytes(GoodLine + "\n"), query: "%00evil"),
            HostileCase.Dataset("name too long", Encoding.UTF8.GetBytes(GoodLine + "\n"), query: new string('n', 300)),
            // Longer than the test host's upload limit, with no newline and no Content-Length: refused while it streams.
            new("dataset 100 MB single line", "/v1/datasets?name=line.jsonl", () => new GeneratedContent(100L * 1024 * 1024, (byte)'a')),
        };
        foreach (string line in s_wrongTypes)
        {
            cases.Add(HostileCase.Dataset($"wrong types {line}", Encoding.UTF8.GetBytes(line + "\n")));
            cases.Add(HostileCase.Dataset($"wrong types after good lines {line}", Encoding.UTF8.GetBytes(GoodLine + "\n" + GoodLine + "\n" + line + "\n")));
        }
        foreach (string line in s_invalidJson)
        {
            cases.Add(HostileCase.Dataset($"invalid JSON {line}", Encoding.UTF8.GetBytes(GoodLine + "\n" + line + "\n")));
        }
        for (int i = 0; i < 25; i++)
        {
            // A good line cut at a random byte: always broken JSON.
            int cut = random.Next(1, GoodLine.Length - 1);
            cases.Add(HostileCase.Dataset($"truncated line at {cut}", Encoding.UTF8.GetBytes(GoodLine + "\n" + GoodLine[..cut] + "\n" + GoodLine + "\n")));
        }
        for (int i = 0; i < 15; i++)
        {
            byte[] binary = new byte[random.Next(1, 4096)];
            random.NextBytes(binary);
            // Starting with '{' makes it JSON Lines; starting with a letter makes it CSV; either must fail.
            binary[0] = (byte)(i % 2 == 0 ? '{' : 0xFF);
            cases.Add(HostileCase.Dataset($"binary {i}", binary, "application/octet-stream"));
        }
        for (int i = 0; i < 15; i++)
        {
            int columns = random.Next(2, 6);
            var csv = new StringBuilder(string.Join(",", Enumerable.Range(0, columns).Select(c => $"col{c}")) + "\n");
            csv.Append(string.Join(",", Enumerable.Range(0, columns).Select(c => "v"))).Append('\n');
            int ragged = random.Next(2) == 0 ? columns - 1 : columns + 1 + random.Next(3);
            csv.Append(string.Join(",", Enumerable.Range(0, ragged).Select(c => "r"))).Append('\n');
            cases.Add(HostileCase.Dataset($"ragged CSV {columns}->{ragged}", Encoding.UTF8.GetBytes(csv.ToString()), "text/csv"));
        }
        return cases;
    }
}
