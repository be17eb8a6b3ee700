"""Checks deploy/ as far as it can be checked without Docker or a cluster.

- The Kubernetes manifests validate (strict) against the Kubernetes 1.31 schemas bundled with
  kubernetes-validate (from PyPI), and the kustomization lists exactly them.
- The gateway.toml in the ConfigMap and the compose replicas' configurations pass
  `mcp-gateway check` (with stand-in secrets in the environment).
- The compose file parses, its build context and Dockerfile exist, every mounted file exists,
  and every gateway replica has a healthcheck; the Dockerfile runs as a non-root user with a
  healthcheck.
"""
import os
import pathlib
import subprocess
import sys
import tempfile

import yaml

GATEWAY = sys.argv[1]
ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "kubernetes"
COMPOSE = DEPLOY / "compose"
KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # 32 bytes, base64: a stand-in


def check_config(path: pathlib.Path, **env: str) -> None:
    result = subprocess.run(
        [GATEWAY, "check", "--config", str(path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"{path}: {result.stderr}"


manifests = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
assert sorted(kustomization["resources"]) == sorted(p.name for p in manifests), kustomization
validator = pathlib.Path(sys.executable).with_name("kubernetes-validate")
result = subprocess.run([str(validator), "--strict", "--quiet", "-k", "1.31.0", *map(str, manifests)], capture_output=True, text=True)
assert result.returncode == 0, result.stdout + result.stderr

configmap = yaml.safe_load((K8S / "configmap.yaml").read_text())
with tempfile.NamedTemporaryFile("w", suffix=".toml") as toml:
    toml.write(configmap["data"]["gateway.toml"])
    toml.flush()
    check_config(pathlib.Path(toml.name), AUTH0_CLIENT_SECRET="x", GATEWAY_STORE_KEY=KEY)
deployment = yaml.safe_load((K8S / "deployment.yaml").read_text())
container = deployment["spec"]["template"]["spec"]["containers"][0]
assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
assert {e["name"] for e in container["env"]} == {"AUTH0_CLIENT_SECRET", "GATEWAY_STORE_KEY"}

compose = yaml.safe_load((COMPOSE / "compose.yaml").read_text())
services = compose["services"]
assert {"postgres", "fake-auth0", "gateway-a", "gateway-b"} <= set(services), services.keys()
build = services["fake-auth0"]["build"]
assert (COMPOSE / build["context"] / build["dockerfile"]).is_file()
for name in ("gateway-a", "gateway-b"):
    service = services[name]
    assert "healthcheck" in service, name
    for volume in service["volumes"]:
        source = volume.split(":")[0]
        assert (COMPOSE / source).is_file(), f"{name} mounts a missing {source}"
        check_config(COMPOSE / source, TRIAL_CLIENT_SECRET="x", GATEWAY_STORE_KEY=KEY)

dockerfile = (DEPLOY / "Dockerfile").read_text()
assert "\nUSER 10001\n" in dockerfile and "HEALTHCHECK" in dockerfile
print("deploy_files: ok")
