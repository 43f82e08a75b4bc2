"""A package whose build backend needs the network (an ofiuco test fixture)."""
