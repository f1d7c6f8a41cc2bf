"""Entity resolution: parties from every feed resolved into actors, actors into rings."""
