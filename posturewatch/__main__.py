from posturewatch.cli import main

main()
