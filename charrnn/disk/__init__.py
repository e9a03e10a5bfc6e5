"""Things kept on disk safely: files written whole or not at all, a lock one process holds, a cache of costly results."""
