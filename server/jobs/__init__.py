"""Jobs: anything bigger than one household (cadre month, village and township books) runs here, with a
status and progress row; on RQ when REDIS_URL is set, in a thread of the server process otherwise."""
