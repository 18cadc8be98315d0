module bartedit

go 1.26
