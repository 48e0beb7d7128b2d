//! One HTTP GET as keepalived's HTTP_GET/SSL_GET sends it, and the answer's status code and the
//! MD5 of its body.
//!
//! The request is keepalived's: `GET path HTTP/1.x`, `User-Agent: KeepAliveClient`,
//! `Connection: close` for `1.0C` and `1.1`, and `Host:`. The body is every byte after the
//! header up to `Content-Length` or the end of the stream; like keepalived, chunked encoding is
//! not decoded, so a digest covers the raw bytes.

use super::tcp::{connect, std_error};
use super::tls::TlsConfigs;
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use holdfast_actors::ports::probe::{HttpGet, HttpResponse, ProbeError};
use holdfast_core::config::model::HttpProtocol;
use md5::{Digest, Md5};

/// The longest header holdfast reads before giving up on an answer.
const MAX_HEADER: usize = 16 * 1024;

/// The request bytes.
pub fn request(get: &HttpGet) -> String {
    let (minor, close) = match get.protocol {
        HttpProtocol::Http10 => (0, ""),
        HttpProtocol::Http10Close => (0, "Connection: close\r\n"),
        HttpProtocol::Http11 => (1, "Connection: close\r\n"),
    };
    format!(
        "GET {} HTTP/1.{minor}\r\nUser-Agent: KeepAliveClient\r\n{close}Host: {}\r\n\r\n",
        get.path, get.host
    )
}

/// Connects, sends `get` (over TLS if asked) and reads the answer. The caller bounds the time.
pub async fn get(get: &HttpGet, tls: &TlsConfigs) -> Result<HttpResponse, ProbeError> {
    let stream = connect(&get.target).await?;
    match &get.tls {
        None => exchange(stream, get).await,
        Some(opts) => {
            let stream = tls.connect(stream, &get.target.addr, opts).await?;
            exchange(stream, get).await
        }
    }
}

/// Sends the request on `stream` and reads the answer.
pub async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    get: &HttpGet,
) -> Result<HttpResponse, ProbeError> {
    stream
        .write_all(request(get).as_bytes())
        .await
        .map_err(|e| std_error("send", &e))?;
    stream.flush().await.map_err(|e| std_error("send", &e))?;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(end) = find_header_end(&buf) {
            break end;
        }
        if buf.len() > MAX_HEADER {
            return Err(ProbeError::BadResponse);
        }
        let n = read(&mut stream, &mut chunk).await?;
        if n == 0 {
            return Err(ProbeError::BadResponse);
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let head = std::str::from_utf8(buf.get(..header_end).unwrap_or_default())
        .map_err(|_| ProbeError::BadResponse)?;
    let (status, length) = parse_head(head)?;
    let mut md5 = Md5::new();
    let mut body_len: u64 = 0;
    let first = buf.get(header_end..).unwrap_or_default();
    feed(&mut md5, &mut body_len, first, length);
    while length.is_none_or(|l| body_len < l) {
        let n = read(&mut stream, &mut chunk).await?;
        if n == 0 {
            break;
        }
        feed(
            &mut md5,
            &mut body_len,
            chunk.get(..n).unwrap_or_default(),
            length,
        );
    }
    Ok(HttpResponse {
        status,
        digest: md5.finalize().into(),
    })
}

/// Reads once; a TLS stream that ends without `close_notify` counts as the end.
async fn read<S: AsyncRead + Unpin>(stream: &mut S, chunk: &mut [u8]) -> Result<usize, ProbeError> {
    match stream.read(chunk).await {
        Ok(n) => Ok(n),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(0),
        Err(e) => Err(std_error("recv", &e)),
    }
}

/// Hashes `bytes`, stopping at `length` bytes of body in all.
fn feed(md5: &mut Md5, body_len: &mut u64, bytes: &[u8], length: Option<u64>) {
    let take = match length {
        Some(l) => {
            let left = l.saturating_sub(*body_len);
            usize::try_from(left).map_or(bytes.len(), |left| left.min(bytes.len()))
        }
        None => bytes.len(),
    };
    let part = bytes.get(..take).unwrap_or(bytes);
    md5.update(part);
    *body_len = body_len.saturating_add(part.len() as u64);
}

/// The offset just after `\r\n\r\n`.
fn find_header_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// The status code and the `Content-Length`, if any.
pub fn parse_head(head: &str) -> Result<(u16, Option<u64>), ProbeError> {
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or(ProbeError::BadResponse)?;
    let mut words = status_line.split_whitespace();
    let version = words.next().ok_or(ProbeError::BadResponse)?;
    if !version.starts_with("HTTP/") {
        return Err(ProbeError::BadResponse);
    }
    let status: u16 = words
        .next()
        .and_then(|s| s.parse().ok())
        .filter(|s| (100..=999).contains(s))
        .ok_or(ProbeError::BadResponse)?;
    let length = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok());
    Ok((status, length))
}

#[cfg(test)]
mod tests {
    use super::*;
    use holdfast_actors::ports::probe::TcpTarget;
    use holdfast_core::time::Duration;

    fn get(protocol: HttpProtocol) -> HttpGet {
        HttpGet {
            target: TcpTarget {
                addr: "192.0.2.1:80".parse().expect("address"),
                bind: None,
                bind_if: None,
                fwmark: None,
                timeout: Duration::from_secs(1),
            },
            tls: None,
            path: "/index.html".into(),
            host: "www.example.com".into(),
            protocol,
        }
    }

    #[test]
    fn requests_are_keepalived_s() {
        assert_eq!(
            request(&get(HttpProtocol::Http10)),
            "GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: www.example.com\r\n\r\n"
        );
        assert_eq!(
            request(&get(HttpProtocol::Http11)),
            "GET /index.html HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.com\r\n\r\n"
        );
    }

    #[test]
    fn heads_parse_or_are_refused() {
        assert_eq!(
            parse_head("HTTP/1.1 200 OK\r\nContent-Length: 12"),
            Ok((200, Some(12)))
        );
        assert_eq!(
            parse_head("HTTP/1.0 503 Busy\r\ncontent-length:3\r\nX: y"),
            Ok((503, Some(3)))
        );
        assert_eq!(parse_head("HTTP/1.0 404"), Ok((404, None)));
        assert_eq!(parse_head("SSH-2.0-OpenSSH"), Err(ProbeError::BadResponse));
        assert_eq!(parse_head("HTTP/1.0 abc"), Err(ProbeError::BadResponse));
        assert_eq!(parse_head(""), Err(ProbeError::BadResponse));
    }
}
