using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FineTune.Api.Datasets;

/// <summary>
/// Finds the first file part of a <c>multipart/form-data</c> body without buffering it: the returned stream reads
/// that part straight from the request. (<c>IFormFile</c> would spool the whole file to disk first.)
/// </summary>
internal static class MultipartFile
{
    /// <summary>Whether the request body is multipart; <paramref name="boundary"/> is its part separator.</summary>
    public static bool IsMultipart(HttpRequest request, out string boundary)
    {
        boundary = "";
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).ToString();
        return boundary.Length > 0;
    }

    /// <summary>The first part with a file name, positioned at its content; null when the body has none.</summary>
    /// <exception cref="IOException">The body ends before a part does, or never holds the boundary.</exception>
    /// <exception cref="InvalidDataException">A part's headers are malformed or too long.</exception>
    public static async Task<(string PartName, string FileName, Stream Content)?> OpenFirstFileAsync(HttpRequest request, string boundary, CancellationToken cancellationToken)
    {
        var reader = new MultipartReader(boundary, request.Body);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out ContentDispositionHeaderValue? disposition)
                && disposition.IsFileDisposition())
            {
                string fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).ToString();
                string partName = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
                return (partName.Length > 0 ? partName : "file", Path.GetFileName(fileName), section.Body);
            }
        }
        return null;
    }
}
