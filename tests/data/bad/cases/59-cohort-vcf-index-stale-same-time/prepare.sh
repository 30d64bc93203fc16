tabix -f -p vcf chr1.vcf.gz && mv chr1.vcf.gz.tbi cohort.vcf.gz.tbi && rm chr1.vcf.gz
touch -r cohort.vcf.gz cohort.vcf.gz.tbi
