"""The command line: a thin layer that parses arguments, calls one library function and prints."""
