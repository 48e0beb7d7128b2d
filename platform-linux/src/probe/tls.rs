//! SSL_GET's TLS client: rustls with the ring provider, TLS 1.2 and 1.3.
//!
//! **The server certificate is not verified.** keepalived's SSL_GET accepts any certificate
//! unless `ca`/`certificate` are configured (holdfast does not support those yet), because the
//! check is whether the service answers, and real servers behind a load balancer commonly carry
//! the public name's certificate or a self-signed one. The handshake signature is still checked
//! against the presented certificate, so a peer that cannot complete TLS fails the check.

use super::tcp::std_error;
use futures_rustls::TlsConnector;
use holdfast_actors::ports::probe::{ProbeError, TlsOptions};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use smol::Async;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

/// Accepts any certificate; checks handshake signatures with the provider's algorithms.
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The two client configurations (with and without SNI), built once.
#[derive(Debug)]
pub struct TlsConfigs {
    with_sni: Arc<ClientConfig>,
    without_sni: Arc<ClientConfig>,
}

fn config(sni: bool) -> Result<ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(AcceptAnyCertificate {
        provider: provider.clone(),
    });
    let mut c = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    c.enable_sni = sni;
    Ok(c)
}

impl TlsConfigs {
    /// Builds both configurations; fails only if the ring provider supports no safe TLS
    /// version (a broken build).
    pub fn new() -> Result<Self, rustls::Error> {
        Ok(TlsConfigs {
            with_sni: Arc::new(config(true)?),
            without_sni: Arc::new(config(false)?),
        })
    }

    /// Runs the handshake over `stream`.
    pub async fn connect(
        &self,
        stream: Async<TcpStream>,
        addr: &SocketAddr,
        opts: &TlsOptions,
    ) -> Result<futures_rustls::client::TlsStream<Async<TcpStream>>, ProbeError> {
        let (config, name) = match &opts.sni {
            Some(host) => match ServerName::try_from(host.clone()) {
                Ok(name) => (&self.with_sni, name),
                Err(_) => (&self.without_sni, ServerName::IpAddress(addr.ip().into())),
            },
            None => (&self.without_sni, ServerName::IpAddress(addr.ip().into())),
        };
        TlsConnector::from(config.clone())
            .connect(name, stream)
            .await
            .map_err(
                |e| match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    Some(tls) => ProbeError::Tls(tls.to_string()),
                    None if e.kind() == std::io::ErrorKind::InvalidData => {
                        ProbeError::Tls(e.to_string())
                    }
                    None => std_error("TLS handshake", &e),
                },
            )
    }
}
