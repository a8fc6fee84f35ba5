//! Certificates and keys generated with the `openssl` CLI.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, anyhow};
use base64::Engine;

use crate::process::run_ok_blocking;

fn openssl(dir: &Path, args: &[&str]) -> Result<()> {
    let mut cmd = Command::new("openssl");
    cmd.args(args).current_dir(dir);
    run_ok_blocking(cmd).map(|_| ())
}

/// A self-signed RSA certificate and its PKCS#1 key, used to sign Bearer tokens.
#[derive(Debug, Clone)]
pub struct SigningCert {
    pub cert_pem_path: PathBuf,
    pub key_pem: Vec<u8>,
    /// Base64 (standard) of the certificate's DER: the `x5c` header entry.
    pub cert_der_b64: String,
}

/// Generate a 2048-bit RSA key and a self-signed certificate for it in `dir`.
pub fn token_signing_cert(dir: &Path) -> Result<SigningCert> {
    openssl(dir, &["genrsa", "-traditional", "-out", "token.key", "2048"])
        .context("generating the token signing key")?;
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "token.key",
            "-out",
            "token.crt",
            "-days",
            "3650",
            "-subj",
            "/CN=rm-harness token issuer",
            "-sha256",
        ],
    )
    .context("self-signing the token certificate")?;
    let cert_pem_path = dir.join("token.crt");
    let pem = std::fs::read_to_string(&cert_pem_path)?;
    let cert_der_b64 = pem_body(&pem)?;
    Ok(SigningCert { key_pem: std::fs::read(dir.join("token.key"))?, cert_pem_path, cert_der_b64 })
}

/// The base64 body of the first PEM block (which is the base64 of its DER), validated.
fn pem_body(pem: &str) -> Result<String> {
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(&body)
        .map_err(|e| anyhow!("certificate PEM is not base64: {e}"))?;
    Ok(body)
}

/// A CA and a server certificate (SAN IP:127.0.0.1, DNS:localhost) signed by it.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The CA certificate, alone in its directory (usable as a `--cert-dir` for skopeo).
    pub ca_cert: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

/// Generate the TLS material under `dir/ca/` and `dir/tls/` (EC P-256 keys: fast).
pub fn tls_files(dir: &Path) -> Result<TlsFiles> {
    let ca_dir = dir.join("ca");
    let tls_dir = dir.join("tls");
    std::fs::create_dir_all(&ca_dir)?;
    std::fs::create_dir_all(&tls_dir)?;
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let mut args = vec!["req", "-x509"];
    args.extend(ec);
    args.extend([
        "-keyout",
        "../tls/ca.key",
        "-out",
        "ca.crt",
        "-days",
        "3650",
        "-sha256",
        "-subj",
        "/CN=rm-harness test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&ca_dir, &args).context("generating the test CA")?;
    let mut args = vec!["req"];
    args.extend(ec);
    args.extend(["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
    openssl(&tls_dir, &args).context("generating the server key and CSR")?;
    std::fs::write(
        tls_dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n\
         basicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth\n",
    )?;
    openssl(
        &tls_dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "../ca/ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "825",
            "-sha256",
            "-extfile",
            "server.ext",
        ],
    )
    .context("signing the server certificate")?;
    Ok(TlsFiles {
        ca_cert: ca_dir.join("ca.crt"),
        server_cert: tls_dir.join("server.crt"),
        server_key: tls_dir.join("server.key"),
    })
}
