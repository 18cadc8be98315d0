module bartedit

go 1.24
