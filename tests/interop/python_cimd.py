"""The official MCP Python SDK (mcp==2.3.0) logs in to `mcp-gateway demo` with a Client ID
Metadata Document instead of registering.

The SDK's OAuthClientProvider gets a `client_metadata_url`; the gateway's metadata says
`client_id_metadata_document_supported`, so the SDK must use that URL as its client_id (no
POST /register), and the gateway must fetch the document from it, show its host on the consent
page, log the user in and issue tokens the SDK then refreshes. The document is served over https
on 127.0.0.1 with a certificate made here, which the demo trusts through `--client-metadata-ca`
(the one way it fetches from this machine: otherwise only public addresses).
"""
import asyncio
import datetime
import ipaddress
import json
import os
import ssl
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientMetadata

from demo import demo
from python_oauth import REDIRECT, Browser, MemoryStorage

NAME = "interop python cimd"


def self_signed(directory: str) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files in `directory`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path


class Documents:
    """An https server on 127.0.0.1 serving the client's metadata document at /client.json."""

    def __init__(self, cert: str, key: str) -> None:
        self.fetches = 0
        documents = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                if self.path != "/client.json":
                    self.send_error(404)
                    return
                documents.fetches += 1
                body = json.dumps({
                    "client_id": documents.url,
                    "client_name": NAME,
                    "redirect_uris": [REDIRECT],
                    "grant_types": ["authorization_code", "refresh_token"],
                    "response_types": ["code"],
                    "token_endpoint_auth_method": "none",
                }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "max-age=300")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/client.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


async def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        cert, key = self_signed(directory)
        documents = Documents(cert, key)
        with demo(sys.argv[1], "--client-metadata-ca", cert) as gw:
            storage = MemoryStorage()
            browser = Browser()
            provider = OAuthClientProvider(
                server_url=gw.url,
                client_metadata=OAuthClientMetadata(
                    client_name=NAME,
                    redirect_uris=[REDIRECT],
                    grant_types=["authorization_code", "refresh_token"],
                    response_types=["code"],
                    token_endpoint_auth_method="none",
                ),
                storage=storage,
                redirect_handler=browser.open,
                callback_handler=browser.callback,
                client_metadata_url=documents.url,
            )
            http = httpx2.AsyncClient(auth=provider, timeout=30)
            async with http, Client(streamable_http_client(gw.url, http_client=http), mode="auto") as client:
                tools = (await client.list_tools()).tools
                assert len(tools) == 37, f"expected the user's 37 tools, got {len(tools)}"
                who = await client.call_tool("auth0_whoami", {})
                assert f"via OAuth client {documents.url}" in who.structured_content["principal"], who.structured_content
            assert storage.client is not None and storage.client.client_id == documents.url, storage.client
            assert browser.consent_pages == 1, browser.consent_pages
            assert "An application published by <strong><code>127.0.0.1</code></strong>" in browser.last_consent_page, browser.last_consent_page[:2000]
            assert documents.fetches >= 1

            # The SDK refreshes with the URL as its client_id; no new login, no new fetch needed.
            first = storage.tokens
            fetched = documents.fetches
            provider.context.token_expiry_time = time.time() - 1
            http = httpx2.AsyncClient(auth=provider, timeout=30)
            async with http, Client(streamable_http_client(gw.url, http_client=http), mode="auto") as client:
                result = await client.call_tool("auth0_list_roles", {})
                assert not result.is_error, result.content
            assert storage.tokens.access_token != first.access_token, "the token was not refreshed"
            assert browser.consent_pages == 1 and documents.fetches == fetched

            # Nothing was registered: the client is the document's URL.
            async with httpx2.AsyncClient(timeout=10) as raw:
                base = gw.url.rsplit("/mcp", 1)[0]
                metadata = (await raw.get(f"{base}/.well-known/oauth-authorization-server")).json()
                assert metadata["client_id_metadata_document_supported"] is True, metadata
        documents.server.shutdown()
    print("python_cimd: ok")


if __name__ == "__main__":
    asyncio.run(main())
