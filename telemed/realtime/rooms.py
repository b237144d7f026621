"""Room names say who they gather."""


def user_room(user_id: int) -> str:
    """One person, on every device and tab they have open (notifications)."""
    return f"user:{user_id}"


def case_room(case_id: int) -> str:
    return f"case:{case_id}"


def clinic_room(clinic_id: int) -> str:
    return f"clinic:{clinic_id}"


def reviewers_room(consortium_id: int) -> str:
    return f"consortium:{consortium_id}:reviewers"


def coordinators_room(consortium_id: int) -> str:
    return f"consortium:{consortium_id}:coordinators"
