"""How leased videos become refresh jobs: batches, and the job ids that name them.

Pure functions over ids (no database, no Redis), so the packing rules are easy to test.
"""
import zlib

from webapp.tiktok.display import MAX_QUERY_IDS


def pack(leased: list[tuple[int, int]], connected: set[int], size: int) -> list[list[int]]:
    """Batches of `size` videos. Connected creators' videos come in whole groups of 20 of one
    creator, so each Display call is as full as it can be, and their batches hold as many
    whole calls as `size` rounded up allows (50: three calls). Page videos fill batches of
    their own (each source has its own budget)."""
    size = max(size, 1)
    calls = -(-size // MAX_QUERY_IDS) * MAX_QUERY_IDS
    groups: list[list[int]] = []
    by_creator: dict[int, list[int]] = {}
    page: list[int] = []
    for submission_id, creator_id in sorted(leased):
        if creator_id in connected:
            by_creator.setdefault(creator_id, []).append(submission_id)
        else:
            page.append(submission_id)
    for ids in by_creator.values():
        groups += [ids[i:i + MAX_QUERY_IDS] for i in range(0, len(ids), MAX_QUERY_IDS)]
    batches: list[list[int]] = []
    current: list[int] = []
    for group in groups:
        if current and len(current) + len(group) > calls:
            batches.append(current)
            current = []
        current = current + group
    if current:
        batches.append(current)
    batches += [page[i:i + size] for i in range(0, len(page), size)]
    return [sorted(batch) for batch in batches]


def job_id_for(ids: list[int], prefix: str = "refresh") -> str:
    """One video: "refresh-<id>"; more: first id, count and a digest of them all (the same
    batch queued twice is one job; another batch never takes its id)."""
    if len(ids) == 1:
        return f"{prefix}-{ids[0]}"
    digest = zlib.crc32(",".join(map(str, ids)).encode())
    return f"{prefix}-batch-{ids[0]}-{len(ids)}-{digest:08x}"
