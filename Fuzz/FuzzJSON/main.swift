import FuzzSupport

Fuzz.main()
