using System.Globalization;
using System.Net.Http.Headers;

namespace FineTune.HuggingFace;

/// <summary>Requests: redirects by hand, the token on the endpoint's host only, errors mapped to advice, retries.</summary>
public sealed partial class HubClient
{
    // Renamed repositories add a hop or two before the storage redirect; more than this is a loop.
    private const int MaxRedirects = 10;

    private async Task<HubResponse> SendAsync(Uri url, long? rangeStart, CancellationToken cancellationToken)
    {
        Uri current = url;
        string? linkedEtag = null;
        long? linkedSize = null;
        for (int hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("finetune-hub", "1.0"));
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            if (rangeStart is long start)
            {
                request.Headers.Range = new RangeHeaderValue(start, null);
            }

            // Storage hosts get signed URLs instead; sending them the token would only spread it.
            if (_options.Token is string token && IsEndpointOrigin(current))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            HttpResponseMessage response = await _http
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
                .ConfigureAwait(false);
            linkedEtag ??= HubResponse.Header(response, "X-Linked-Etag")?.Replace("W/", "", StringComparison.Ordinal).Trim('"');
            linkedSize ??= long.TryParse(
                HubResponse.Header(response, "X-Linked-Size"), NumberStyles.None, CultureInfo.InvariantCulture, out long size)
                ? size
                : null;

            int status = (int)response.StatusCode;
            if (status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is Uri location)
            {
                response.Dispose();
                Uri next = location.IsAbsoluteUri ? location : new Uri(current, location);
                if (hop == MaxRedirects || (next.Scheme != Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttp))
                {
                    throw new HubException($"The hub sent too many or unusable redirects for '{url.AbsolutePath}'.")
                    {
                        Kind = HubErrorKind.InvalidResponse,
                        StatusCode = status,
                    };
                }

                current = next;
                continue;
            }

            return new HubResponse(response, linkedEtag, linkedSize);
        }
    }

    private bool IsEndpointOrigin(Uri url) => Uri.Compare(
        url, _endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    // Messages name the repository, revision, file and endpoint host: never a URL with a signature or the token.
    private HubException CreateError(HubResponse response, string repoId, string? filePath)
    {
        int status = response.StatusCode;
        string? code = response.ErrorCode;
        string revision = _options.Revision;
        string host = _endpoint.GetComponents(UriComponents.SchemeAndServer, UriFormat.Unescaped);
        bool hasToken = _options.Token is not null;

        // Without a token the hub answers 401 RepoNotFound for private and missing repositories alike, so only a
        // request that carried a token can tell "not found" from "not allowed".
        if ((status is 401 or 403 || code == "GatedRepo") && !(hasToken && code == "RepoNotFound"))
        {
            string denied = (hasToken, status) switch
            {
                (false, _) => $"'{repoId}' on {host} is gated or private (or does not exist) and the request carried "
                    + $"no token (HTTP {status}): set HF_TOKEN to a token with read access.",
                (true, 401) => $"{host} rejected the token for '{repoId}' (HTTP 401): check that HF_TOKEN holds a "
                    + "valid, unexpired token.",
                _ => $"The token has no access to '{repoId}' on {host} (HTTP {status}): if the model is gated, accept "
                    + "its terms on the model page with this account, or set HF_TOKEN to a token that has access.",
            };
            return new HubException(denied) { Kind = HubErrorKind.AccessDenied, StatusCode = status };
        }

        if (status is 401 or 403 or 404 || code is "RepoNotFound" or "RevisionNotFound" or "EntryNotFound")
        {
            string notFound = code switch
            {
                "RevisionNotFound" => $"Revision '{revision}' not found in '{repoId}' on {host}.",
                not "RepoNotFound" when filePath is not null =>
                    $"File '{filePath}' not found in '{repoId}' at revision '{revision}' on {host}.",
                _ => $"Repository or revision not found: '{repoId}' at revision '{revision}' on {host}"
                    + (hasToken ? " (or the token has no access to it)." : "; if it is private, set HF_TOKEN."),
            };
            return new HubException(notFound) { Kind = HubErrorKind.NotFound, StatusCode = status };
        }

        string target = filePath is null ? $"'{repoId}'" : $"'{filePath}' in '{repoId}'";
        bool transient = status is 408 or 429 || status >= 500;
        return new HubException($"{host} answered HTTP {status} for {target} at revision '{revision}'.")
        {
            Kind = transient ? HubErrorKind.Transfer : HubErrorKind.InvalidResponse,
            StatusCode = status,
            IsTransient = transient,
        };
    }

    // Retries transient failures with exponential backoff. When madeProgress says an attempt moved the download
    // forward, the count starts over, so a flaky link that keeps delivering still finishes a large file.
    private async Task<T> WithRetriesAsync<T>(
        string operation,
        Func<CancellationToken, Task<T>> attempt,
        Func<bool>? madeProgress,
        CancellationToken cancellationToken)
    {
        int failures = 0;
        while (true)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsTransient(exception, cancellationToken))
            {
                failures = madeProgress?.Invoke() == true ? 1 : failures + 1;
                if (failures > _options.MaxRetries)
                {
                    var hub = exception as HubException;
                    throw new HubException($"{operation} failed after {failures} attempts: {exception.Message}", exception)
                    {
                        Kind = hub?.Kind ?? HubErrorKind.Transfer,
                        StatusCode = hub?.StatusCode,
                    };
                }

                TimeSpan delay = _options.RetryDelay * Math.Pow(2, failures - 1);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private static bool IsTransient(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HubException hub => hub.IsTransient,
        HttpRequestException or IOException or TimeoutException => true,
        // HttpClient.Timeout surfaces as a cancellation the caller did not ask for.
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
