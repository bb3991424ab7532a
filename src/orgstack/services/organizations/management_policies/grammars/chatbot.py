"""Chat applications (chatbot) policy grammar.

Source: AWS Organizations User Guide, "Chat applications policy syntax and examples".
"""

from __future__ import annotations

from ..schema import Collection, Grammar, Section, Setting, ValueKind

# The guide's syntax marks the Slack workspace list and the Slack overrides with
# "limit 255".
_MAX_SLACK_WORKSPACES = 255

_CLIENT = Setting(ValueKind.STRING, choices=frozenset({"enabled", "disabled"}))
_CHANNEL_TYPES = Setting(ValueKind.STRING_LIST, choices=frozenset({"public", "private"}))
_ROLE_SETTINGS = Setting(ValueKind.STRING_LIST, choices=frozenset({"user_role", "channel_role"}))

_SLACK_CHANNEL_SETTINGS = Section(
    fields={"supported_channel_types": _CHANNEL_TYPES, "supported_role_settings": _ROLE_SETTINGS}
)
_TEAMS_CHANNEL_SETTINGS = Section(fields={"supported_role_settings": _ROLE_SETTINGS})

_SLACK = Section(
    fields={
        "client": _CLIENT,
        "workspaces": Setting(ValueKind.STRING_LIST, max_items=_MAX_SLACK_WORKSPACES),
        "default": _SLACK_CHANNEL_SETTINGS,
        "overrides": Collection(item=_SLACK_CHANNEL_SETTINGS, max_items=_MAX_SLACK_WORKSPACES),
    }
)

_MICROSOFT_TEAMS = Section(
    fields={
        "client": _CLIENT,
        "tenants": Collection(item=Setting(ValueKind.STRING_LIST)),
        "default": _TEAMS_CHANNEL_SETTINGS,
        "overrides": Collection(item=Collection(item=_TEAMS_CHANNEL_SETTINGS)),
    }
)

_CHATBOT = Section(
    fields={
        "platforms": Section(
            fields={
                "slack": _SLACK,
                "microsoft_teams": _MICROSOFT_TEAMS,
                "chime": Section(fields={"client": _CLIENT}),
            }
        ),
        "default": Section(fields={"client": _CLIENT}),
    }
)

CHATBOT_POLICY_GRAMMAR = Grammar(
    name="chat applications policy",
    root=Section(fields={"chatbot": _CHATBOT}),
    top_key="chatbot",
)
