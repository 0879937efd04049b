# Exports the Pima Indians diabetes data that Debian's r-cran-mlbench ships (PimaIndiansDiabetes) to CSV,
# with the column names seed 001 uses. Run once: Rscript examples/data/export_pima.R
library(mlbench)
data(PimaIndiansDiabetes)
d <- PimaIndiansDiabetes
out <- data.frame(
  times_pregnant = d$pregnant, glucose = d$glucose, blood_pressure = d$pressure, skin_fold_thick = d$triceps,
  serum_insuling = d$insulin, mass_index = d$mass, diabetes_pedigree = d$pedigree, age = d$age,
  diabetes = as.integer(d$diabetes == "pos")
)
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
write.csv(out, file.path(here, "pima-indians-diabetes.csv"), row.names = FALSE, quote = FALSE)
