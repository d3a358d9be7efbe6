import TollgateSidecar

print("tollgate \(TollgateVersion.string)")
