"""The salon app's migrations; 0002 applies the clubrules schema."""
