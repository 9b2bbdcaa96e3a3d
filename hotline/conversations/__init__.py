"""Conversations: the intake flow run on the phone, by SMS and in the web chat, and what follows it."""
