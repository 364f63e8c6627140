"""Cultural competency training toolkit."""
