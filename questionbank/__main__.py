from questionbank.cli import main

main()
