import Glibc
import TollgateSidecar

exit(TollgateCLI.run(CommandLine.arguments))
