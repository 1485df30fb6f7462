"""Private: executing calls over HTTP (the loop, retry rules, body guard, httpx and aiohttp transports)."""
