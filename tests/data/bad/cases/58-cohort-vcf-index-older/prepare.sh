tabix -f -p vcf chr1.vcf.gz && mv chr1.vcf.gz.tbi cohort.vcf.gz.tbi && rm chr1.vcf.gz
touch -d 2020-01-01 cohort.vcf.gz.tbi
