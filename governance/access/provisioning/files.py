"""File ports in the embedded default: Meshport itself serves the data, so a grant is live at once.

The grantee downloads the file and reads a sample through Meshport's API (``api.py``), which
checks the grant on every request; there is nothing to create on a platform, nor to remove.
"""
from __future__ import annotations

from governance.access.provisioning.base import FILES, Outcome, Provisioner, Target

REFERENCE = "meshport"


class FilesProvisioner(Provisioner):
    name = FILES

    def provision(self, target: Target) -> Outcome:
        return Outcome("provisioned", REFERENCE, f"served by Meshport: download and sample of {target.port_name}")

    def deprovision(self, target: Target) -> Outcome:
        return Outcome("deprovisioned", REFERENCE, "Meshport no longer serves this port to the grantee")
