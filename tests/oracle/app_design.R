# The R lines of docs/methodology.md ("Reproducing a console figure"), run on an export.
# Rscript tests/oracle/app_design.R EXPORT.csv DOMAINS.csv COEFFICIENTS.csv OUT.csv
#   DOMAINS.csv: name, unit ("" = every unit), first, last (months YYYY-MM, inclusive)
#   COEFFICIENTS.csv: name, item, a (the total's coefficients in that domain)
# Writes name, code, estimate, se: every item index and the total, x 100.
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
args <- commandArgs(trailingOnly = TRUE)
coefs <- read.csv(args[3], colClasses = c(name = "character", item = "character"))
items <- unique(coefs$item)

# --- the lines of docs/methodology.md -------------------------------------------------
d <- read.csv(args[1], na.strings = c("", "na"))
for (k in items) {
  d[[paste0("v_", k)]] <- as.numeric(!is.na(d[[k]]))
  d[[paste0("s_", k)]] <- as.numeric(!is.na(d[[k]]) & d[[k]] >= 4)
}
d$month <- sub(".*/", "", d$cell)
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
pop <- unique(d[c("cell", "cell_population")]); names(pop) <- c("cell", "Freq")
des <- postStratify(des, ~cell, pop)
# ---------------------------------------------------------------------------------------

domains <- read.csv(args[2], colClasses = "character")
rows <- list()
for (i in seq_len(nrow(domains))) {
  spec <- domains[i, ]
  inside <- des$variables$month >= spec$first & des$variables$month <= spec$last
  if (nzchar(spec$unit)) inside <- inside & des$variables$unit == spec$unit
  dom <- subset(des, inside)
  r <- svyratio(as.formula(paste("~", paste0("s_", items, collapse = "+"))),
                as.formula(paste("~", paste0("v_", items, collapse = "+"))), dom, covmat = TRUE)
  K <- length(items)
  diag_idx <- sapply(seq_len(K), function(k) (k - 1) * K + k)
  est <- coef(r)[diag_idx]; V <- vcov(r)[diag_idx, diag_idx]
  for (k in seq_len(K)) {
    rows[[length(rows) + 1]] <- data.frame(name = spec$name, code = items[k],
      estimate = 100 * est[k], se = 100 * sqrt(V[k, k]))
  }
  a <- coefs$a[coefs$name == spec$name][match(items, coefs$item[coefs$name == spec$name])]
  a[is.na(a)] <- 0
  rows[[length(rows) + 1]] <- data.frame(name = spec$name, code = "total",
    estimate = 100 * sum(a * est), se = 100 * sqrt(as.numeric(t(a) %*% V %*% a)))
}
write.csv(do.call(rbind, rows), args[4], row.names = FALSE)
