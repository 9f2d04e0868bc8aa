"""A local stand-in for TikTok that speaks its real wire contracts (pages, oEmbed, short links,
Login Kit, Display API), so ViewPay's fetchers can be tested over real sockets.

It imports nothing from `webapp/`: it plays TikTok and must not know ViewPay.
"""
from .app import make_app
from .server import SandboxServer, serve_in_thread
from .state import State

__all__ = ["make_app", "serve_in_thread", "SandboxServer", "State"]
