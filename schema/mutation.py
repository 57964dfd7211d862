"""The root Mutation: each aggregate's mutations, merged into one type."""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.alerts import AlertMutations
from schema.corrections import CorrectionMutations
from schema.membership import MembershipMutations
from schema.monitoring import MonitoringMutations
from schema.pairing import PairingMutations
from schema.project_library import ProjectLibraryMutations
from schema.qr import QrMutations
from schema.registry import RegistryMutations
from schema.status_changes import StatusMutations

# Each aggregate's class of mutations (a @strawberry.type whose fields are @strawberry.mutation).
MUTATION_TYPES: tuple[type, ...] = (
    QrMutations,
    RegistryMutations,
    AlertMutations,
    MonitoringMutations,
    StatusMutations,
    MembershipMutations,
    CorrectionMutations,
    ProjectLibraryMutations,
    PairingMutations,
)


def mutation_type() -> type | None:
    """The merged Mutation type, or None while no aggregate has mutations."""
    return merge_types("Mutation", MUTATION_TYPES) if MUTATION_TYPES else None
