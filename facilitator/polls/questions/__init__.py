"""Questions from the floor: asked from phones, anonymous by default, upvoted and moderated."""
